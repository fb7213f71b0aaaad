/* top.c — what runs in a container, and what it costs.
 *
 *   top     the processes of the container's cgroup, in `ps -ef` columns
 *   stats   CPU, memory, network, block I/O and pids, from the cgroup and /proc
 *
 * minidock runs no host tool: top reads /proc itself, as ps(1) does. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "ctrlist.h"
#include "err.h"
#include "file.h"
#include "human.h"
#include "table.h"

/* ---- 1. top: the container's processes, as `ps -ef` shows them ------------------------------ */

/* The pids of the container's cgroup, sorted.  cgroup.procs is the same in
 * every hierarchy; read the cgroup2 one when there is one. */
static int cgroup_pids(const char *id, pid_t **pids, size_t *n)
{
    struct cg_host host;
    struct cgroup *cg = NULL;
    char name[128], path[PATH_MAX + 16], *text = NULL, *save = NULL;
    const char *dir = NULL;
    ctr_cgroup_name(id, name, sizeof(name));
    int r = cg_detect(&host);
    if (r == 0)
        r = cg_open(&host, name, &cg);
    if (r < 0)
        return r;
    dir = cg_unified_path(cg);
    for (int k = 0; !*dir && k < CG_NCONTROLLERS; k++)
        dir = cg_path(cg, (enum cg_controller)k);
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    r = *dir ? file_read_all(path, &text, NULL) : err_setx(ENOENT, "no cgroup for %.12s", id);
    cg_free(cg);
    *n = 0;
    *pids = r == 0 ? calloc(strlen(text) / 2 + 1, sizeof(**pids)) : NULL;
    if (r == 0 && !*pids)
        r = err_set(ENOMEM, "cgroup.procs");
    for (char *l = r == 0 ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
        (*pids)[(*n)++] = (pid_t)atoi(l);
    free(text);
    return r;
}

struct proc_info {
    int pid, ppid, tty;
    unsigned uid;
    unsigned long long cpu_ticks, start_ticks;
    char comm[64];
};

static int proc_read(int pid, struct proc_info *p)
{
    char path[64], *text = NULL;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (file_read_all(path, &text, NULL) < 0)
        return -ESRCH; /* it just exited */
    char *open_paren = strchr(text, '('), *close_paren = strrchr(text, ')');
    unsigned long long utime = 0, stime = 0;
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    if (open_paren && close_paren > open_paren)
        snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close_paren - open_paren - 1),
                 open_paren + 1);
    int got = close_paren ? sscanf(close_paren + 1,
                                   " %*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu"
                                   " %*d %*d %*d %*d %*d %*d %llu",
                                   &p->ppid, &p->tty, &utime, &stime, &p->start_ticks)
                          : 0;
    free(text);
    p->cpu_ticks = utime + stime;
    /* the effective uid: second field of "Uid:" */
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    if (file_read_all(path, &text, NULL) == 0) {
        char *uid = strstr(text, "\nUid:");
        if (uid)
            sscanf(uid + 5, "%*u %u", &p->uid);
        free(text);
    }
    return got == 5 ? 0 : -ESRCH;
}

/* The user name from the host's /etc/passwd, or the number. */
static void user_name(unsigned uid, char *buf, size_t size)
{
    FILE *f = fopen("/etc/passwd", "re");
    struct passwd *pw;
    snprintf(buf, size, "%u", uid);
    while (f && (pw = fgetpwent(f)))
        if (pw->pw_uid == uid) {
            snprintf(buf, size, "%s", pw->pw_name);
            break;
        }
    if (f)
        fclose(f);
}

/* "pts/0", "tty1", or "?" for none (tty_nr of /proc/PID/stat). */
static void tty_name(int tty, char *buf, size_t size)
{
    unsigned major = major((dev_t)tty), minor = minor((dev_t)tty);
    if (tty == 0)
        snprintf(buf, size, "?");
    else if (major >= 136 && major <= 143)
        snprintf(buf, size, "pts/%u", minor + (major - 136) * 256);
    else if (major == 4 && minor < 64)
        snprintf(buf, size, "tty%u", minor);
    else if (major == 4)
        snprintf(buf, size, "ttyS%u", minor - 64);
    else
        snprintf(buf, size, "?");
}

/* The command line, arguments separated by spaces; "[comm]" when empty. */
static char *proc_cmdline(const struct proc_info *p)
{
    char path[64], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", p->pid);
    if (file_read_all(path, &text, &len) < 0 || len == 0) {
        free(text);
        err_clear();
        return str_printf("[%s]", p->comm);
    }
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    return text;
}

static double uptime_seconds(void)
{
    char line[128] = "";
    return file_read_line("/proc/uptime", line, sizeof(line)) == 0 ? atof(line) : 0;
}

/* One line of `ps -ef`: UID PID PPID C STIME TTY TIME CMD, cells separated by tabs. */
static char *top_line(const struct proc_info *p, double uptime, double now)
{
    long hz = sysconf(_SC_CLK_TCK);
    char user[64], stime[32], tty[32], cputime[32];
    double started = (double)p->start_ticks / (double)hz, age = uptime - started;
    unsigned long long secs = p->cpu_ticks / (unsigned long long)hz;
    int pcpu = age > 0 ? (int)((double)p->cpu_ticks / (double)hz * 100 / age) : 0;
    time_t when = (time_t)(now - age), today = (time_t)now;
    struct tm tw, tn;
    localtime_r(&when, &tw);
    localtime_r(&today, &tn);
    strftime(stime, sizeof(stime),
             tw.tm_year != tn.tm_year   ? "%Y"
             : tw.tm_yday != tn.tm_yday ? "%b%d"
                                        : "%H:%M",
             &tw);
    user_name(p->uid, user, sizeof(user));
    tty_name(p->tty, tty, sizeof(tty));
    if (secs >= 86400)
        snprintf(cputime, sizeof(cputime), "%llu-%02llu:%02llu:%02llu", secs / 86400,
                 secs / 3600 % 24, secs / 60 % 60, secs % 60);
    else
        snprintf(cputime, sizeof(cputime), "%02llu:%02llu:%02llu", secs / 3600, secs / 60 % 60,
                 secs % 60);
    char *cmd = proc_cmdline(p);
    char *line = cmd ? str_printf("%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s", user, p->pid, p->ppid,
                                  pcpu > 99 ? 99 : pcpu, stime, tty, cputime, cmd)
                     : NULL;
    free(cmd);
    return line;
}

int cmd_top(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    struct ctr c = {0};
    strv_t lines = {0};
    pid_t *pids = NULL;
    size_t n = 0;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage:  minidock top CONTAINER [ps OPTIONS]\n\n"
               "Display the running processes of a container\n");
        return 0;
    }
    if (argc < 2) {
        err_setx(EINVAL, "\"top\" requires at least 1 argument");
        return md_fail("top");
    }
    int r = ctr_store(g, &s);
    if (r == 0)
        r = ctr_load(&s, argv[1], &c);
    if (r == 0 && !ctr_is_running(&c))
        r = err_setx(EINVAL, "container %s is not running", argv[1]);
    if (r == 0)
        r = cgroup_pids(c.id, &pids, &n);
    if (r == 0)
        r = strv_push(&lines, "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD");
    double uptime = uptime_seconds(), now = now_real();
    for (size_t i = 0; r == 0 && i < n; i++) {
        struct proc_info p;
        if (proc_read(pids[i], &p) == 0)
            r = strv_push_owned(&lines, top_line(&p, uptime, now));
    }
    if (r == 0)
        table_print_columns(&lines, 20, stdout); /* Docker: minimum width 20 */
    free(pids);
    strv_free(&lines);
    ctr_free(&c);
    return r < 0 ? md_fail(NULL) : 0;
}

/* ---- 2. stats ------------------------------------------------------------------------------- */

struct usage {
    int64_t cpu_ns, mem, limit, pids, net_rx, net_tx, blk_read, blk_write;
    double at;
};

/* One "key value" line of a file such as memory.stat, or 0. */
static int64_t file_key(const char *path, const char *key)
{
    char *text = NULL;
    int64_t v = 0;
    size_t klen = strlen(key);
    if (file_read_all(path, &text, NULL) < 0) {
        err_clear();
        return 0;
    }
    for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, klen) == 0 && l[klen] == ' ')
            v = strtoll(l + klen + 1, NULL, 10);
    free(text);
    return v;
}

/* The network namespace's counters, seen from its pid 1 (loopback excluded). */
static void read_net(int pid, struct usage *u)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/net/dev", pid);
    FILE *f = pid > 0 ? fopen(path, "re") : NULL;
    while (f && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        long long rx, tx;
        if (!colon || strncmp(str_trim(line), "lo:", 3) == 0)
            continue;
        if (sscanf(colon + 1, "%lld %*d %*d %*d %*d %*d %*d %*d %lld", &rx, &tx) == 2) {
            u->net_rx += rx;
            u->net_tx += tx;
        }
    }
    if (f)
        fclose(f);
}

/* Bytes read and written: io.stat of the cgroup when the io controller runs
 * there, else the sum of /proc/PID/io over the processes. */
static void read_block_io(const struct cgroup *cg, const char *id, struct usage *u)
{
    char path[PATH_MAX + 16], *text = NULL;
    snprintf(path, sizeof(path), "%s/io.stat", cg_unified_path(cg));
    if (*cg_unified_path(cg) && file_read_all(path, &text, NULL) == 0) {
        for (char *p = text; (p = strstr(p, "bytes=")); p += 6) {
            if (p - text >= 1 && p[-1] == 'r')
                u->blk_read += strtoll(p + 6, NULL, 10);
            else if (p - text >= 1 && p[-1] == 'w')
                u->blk_write += strtoll(p + 6, NULL, 10);
        }
        free(text);
        return;
    }
    pid_t *pids = NULL;
    size_t n = 0;
    if (cgroup_pids(id, &pids, &n) == 0)
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof(path), "/proc/%d/io", (int)pids[i]);
            u->blk_read += file_key(path, "read_bytes:");
            u->blk_write += file_key(path, "write_bytes:");
        }
    free(pids);
    err_clear();
}

static int64_t host_memory(void)
{
    return file_key("/proc/meminfo", "MemTotal:") * 1024;
}

/* Everything but the CPU rate; memory as Docker counts it, without the
 * inactive page cache; the limit is the host's memory when none is set. */
static int read_usage(const struct ctr *c, struct cgroup *cg, struct usage *u)
{
    struct cg_stats st;
    int r = cg_read_stats(cg, &st);
    if (r < 0)
        return r;
    u->at = now_real();
    u->cpu_ns = st.cpu_usage_ns;
    u->mem = st.memory_usage > 0 ? st.memory_usage : 0;
    const char *memdir = cg_path(cg, CG_MEMORY);
    if (*memdir) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/memory.stat", memdir);
        /* v1 has both: total_ counts the subtree, as v2's inactive_file does */
        int64_t inactive = file_key(path, "total_inactive_file");
        if (inactive == 0)
            inactive = file_key(path, "inactive_file");
        u->mem = inactive < u->mem ? u->mem - inactive : u->mem;
    }
    u->limit =
        st.memory_limit > 0 && st.memory_limit < host_memory() ? st.memory_limit : host_memory();
    u->pids = st.pids_current;
    if (u->pids < 0) {
        int count = 0;
        u->pids = cg_count_procs(cg, &count) == 0 ? count : 0;
    }
    read_net((int)json_integer_value(json_object_get(c->state, "Pid")), u);
    read_block_io(cg, c->id, u);
    return 0;
}

static json_t *stats_row(const struct ctr *c, const char *typed, const struct usage *a,
                         const struct usage *b, bool no_trunc)
{
    char id[STORE_ID_LEN + 1], cpu[32], mem[64], memp[32], net[64], blk[64], pids[32];
    char x[32], y[32];
    double dt = (b->at - a->at) * 1e9;
    snprintf(id, sizeof(id), no_trunc ? "%s" : "%.12s", c->id);
    snprintf(cpu, sizeof(cpu), "%.2f%%",
             dt > 0 && b->cpu_ns >= a->cpu_ns ? (double)(b->cpu_ns - a->cpu_ns) / dt * 100 : 0.0);
    format_bytes(x, sizeof(x), b->mem);
    format_bytes(y, sizeof(y), b->limit);
    snprintf(mem, sizeof(mem), "%s / %s", x, y);
    snprintf(memp, sizeof(memp), "%.2f%%", b->limit > 0 ? (double)b->mem * 100 / b->limit : 0.0);
    human_size_precision(x, sizeof(x), b->net_rx, HUMAN_TABLE_PRECISION);
    human_size_precision(y, sizeof(y), b->net_tx, HUMAN_TABLE_PRECISION);
    snprintf(net, sizeof(net), "%s / %s", x, y);
    human_size_precision(x, sizeof(x), b->blk_read, HUMAN_TABLE_PRECISION);
    human_size_precision(y, sizeof(y), b->blk_write, HUMAN_TABLE_PRECISION);
    snprintf(blk, sizeof(blk), "%s / %s", x, y);
    snprintf(pids, sizeof(pids), "%lld", (long long)b->pids);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "BlockIO", blk,
                     "CPUPerc", cpu, "Container", typed ? typed : id, "ID", id, "MemPerc", memp,
                     "MemUsage", mem, "Name", c->name, "NetIO", net, "PIDs", pids, "Platform",
                     "linux");
}

/* One round: a first sample of every running container, 100 ms, a second one. */
static int stats_round(struct ctr_list *l, char **typed, const char *format, bool no_trunc)
{
    json_t *titles = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                               "CONTAINER ID", "Container", "CONTAINER", "Name", "NAME", "CPUPerc",
                               "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %",
                               "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    struct usage *first = calloc(l->n + 1, sizeof(*first)),
                 *second = calloc(l->n + 1, sizeof(*second));
    struct cgroup **cgs = calloc(l->n + 1, sizeof(*cgs));
    struct table *t = NULL;
    struct cg_host host;
    int r = first && second && cgs ? 0 : err_set(ENOMEM, "stats");
    bool host_ok = r == 0 && cg_detect(&host) == 0;
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        char name[128];
        ctr_cgroup_name(l->v[i].id, name, sizeof(name));
        if (host_ok && ctr_is_running(&l->v[i]) && cg_open(&host, name, &cgs[i]) == 0 &&
            read_usage(&l->v[i], cgs[i], &first[i]) < 0) {
            cg_free(cgs[i]);
            cgs[i] = NULL;
        }
    }
    err_clear();
    usleep(100 * 1000);
    if (r == 0)
        r = table_open(format, titles, &t);
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        if (cgs[i] && read_usage(&l->v[i], cgs[i], &second[i]) < 0)
            second[i] = first[i];
        err_clear();
        json_t *row = stats_row(&l->v[i], typed ? typed[i] : NULL, &first[i], &second[i], no_trunc);
        r = row ? table_add(t, row) : err_set(ENOMEM, "stats");
        json_decref(row);
    }
    if (r == 0) {
        table_flush(t, stdout);
        t = NULL;
    }
    for (size_t i = 0; cgs && i < l->n; i++)
        cg_free(cgs[i]);
    table_free(t);
    free(cgs);
    free(first);
    free(second);
    json_decref(titles);
    return r;
}

/* The containers named on the command line, in that order. */
static int ctr_list_named(struct store *s, char **refs, int n, struct ctr_list *l)
{
    l->n = 0;
    l->v = calloc((size_t)n + 1, sizeof(*l->v));
    if (!l->v)
        return err_set(ENOMEM, "stats");
    for (int i = 0; i < n; i++) {
        int r = ctr_load(s, refs[i], &l->v[l->n]);
        if (r < 0)
            return r;
        l->n++;
    }
    return 0;
}

int cmd_stats(const struct md_global *g, int argc, char **argv)
{
    enum { OPT_NO_STREAM = 1000, OPT_NO_TRUNC, OPT_FORMAT };
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"no-stream", no_argument, NULL, OPT_NO_STREAM},
        {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *format = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t"
                         "{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
    bool all = false, stream = true, no_trunc = false;
    int c, r;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock stats [OPTIONS] [CONTAINER...]\n\n"
                   "Display a live stream of container(s) resource usage statistics\n\n"
                   "Options:\n  -a, --all             Show all containers (default shows just "
                   "running)\n      --format string   Format output using a Go template\n"
                   "      --no-stream       Disable streaming stats and only pull the first "
                   "result\n      --no-trunc        Do not truncate output\n");
            return 0;
        }
        if (c == 'a')
            all = true;
        else if (c == OPT_NO_STREAM)
            stream = false;
        else if (c == OPT_NO_TRUNC)
            no_trunc = true;
        else if (c == OPT_FORMAT)
            format = optarg;
        else
            return unknown_flag("stats", argv);
    }
    struct store s;
    struct ctr_list l = {0};
    bool named = optind < argc;
    do {
        ctr_list_free(&l);
        r = ctr_store(g, &s);
        if (r == 0)
            r = named ? ctr_list_named(&s, argv + optind, argc - optind, &l)
                      : ctr_list_load(&s, &l);
        /* without names: the running containers (all of them with -a) */
        size_t kept = 0;
        for (size_t i = 0; r == 0 && i < l.n; i++) {
            if (named || all || ctr_is_running(&l.v[i]))
                l.v[kept++] = l.v[i];
            else
                ctr_free(&l.v[i]);
        }
        l.n = r == 0 ? kept : l.n;
        if (r == 0 && stream)
            printf("\033[2J\033[H"); /* Docker redraws the screen */
        if (r == 0)
            r = stats_round(&l, named ? argv + optind : NULL, format, no_trunc);
        fflush(stdout);
        if (r == 0 && stream)
            usleep(900 * 1000);
    } while (r == 0 && stream);
    ctr_list_free(&l);
    return r < 0 ? md_fail("stats") : 0;
}
