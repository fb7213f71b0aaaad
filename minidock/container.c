/* container.c — create a container from an image and options, read it back,
 * change its state safely, remove it.  See container.h for the files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "file.h"
#include "image.h"
#include "log.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int ctr_store(const struct md_global *g, struct store *s)
{
    return store_open(g->root, s);
}

void ctr_cgroup_name(const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "minidock/%s", id);
}

int ctr_cgroup_fd(const struct cg_host *host, const struct cgroup *cg)
{
    if (!cg || host->mode != CG_MODE_V2)
        return -1;
    return open(cg_unified_path(cg), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* ---------------------------------------------------------------------------
 * Signals by name: "TERM", "SIGTERM", "15", "SIGRTMIN+3".
 * ------------------------------------------------------------------------- */

static const struct {
    const char *name;
    int sig;
} signal_names[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

int md_signal_parse(const char *text)
{
    int64_t n;
    const char *name = text;
    if (str_to_i64(text, 1, SIGRTMAX, &n) == 0)
        return (int)n;
    if (strncasecmp(name, "SIG", 3) == 0)
        name += 3;
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
        if (strcasecmp(name, signal_names[i].name) == 0)
            return signal_names[i].sig;
    if (strncasecmp(name, "RTMIN+", 6) == 0 && str_to_i64(name + 6, 0, 32, &n) == 0 &&
        SIGRTMIN + n <= SIGRTMAX)
        return SIGRTMIN + (int)n;
    return err_setx(EINVAL, "invalid signal: %s", text);
}

/* ---------------------------------------------------------------------------
 * Processes: a pid together with its start time names one process for good.
 * ------------------------------------------------------------------------- */

long long proc_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
    if (!p)
        return -1;
    /* after ")": state is field 3, starttime field 22 */
    int field = 2;
    for (char *save = NULL, *tok = strtok_r(p + 1, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        if (++field == 22)
            return strtoll(tok, NULL, 10);
    }
    return -1;
}

bool proc_alive(pid_t pid, long long start)
{
    if (pid <= 0)
        return false;
    long long now = proc_start_time(pid);
    return now >= 0 && (start <= 0 || now == start);
}

/* ---------------------------------------------------------------------------
 * Reading containers.
 * ------------------------------------------------------------------------- */

static json_int_t state_int(const json_t *state, const char *key)
{
    return json_integer_value(json_object_get(state, key));
}

const char *ctr_status(const struct ctr *c)
{
    const char *s = json_string_value(json_object_get(c->state, "Status"));
    return s ? s : "created";
}

bool ctr_is_running(const struct ctr *c)
{
    const char *s = ctr_status(c);
    return strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 || strcmp(s, "restarting") == 0;
}

/* A monitor that died without writing the end (SIGKILL, OOM, reboot) leaves
 * "running" behind: report the container as exited, as Docker does after a
 * daemon crash.  The file itself is fixed by the next change. */
static void refresh_state(struct ctr *c)
{
    if (!ctr_is_running(c))
        return;
    pid_t mon = (pid_t)state_int(c->state, "MonitorPid");
    if (proc_alive(mon, state_int(c->state, "MonitorStart")))
        return;
    char now[64];
    store_timestamp(now, sizeof(now), (double)time(NULL));
    json_object_set_new(c->state, "Status", json_string("exited"));
    json_object_set_new(c->state, "Running", json_false());
    json_object_set_new(c->state, "Paused", json_false());
    json_object_set_new(c->state, "Restarting", json_false());
    json_object_set_new(c->state, "Pid", json_integer(0));
    if (state_int(c->state, "ExitCode") == 0)
        json_object_set_new(c->state, "ExitCode", json_integer(137));
    json_object_set_new(c->state, "Error", json_string("the container's monitor died"));
    json_object_set_new(c->state, "FinishedAt", json_string(now));
}

int ctr_load_id(struct store *s, const char *id, struct ctr *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "%s", id);
    store_path(s, id, "", c->dir, sizeof(c->dir));
    c->dir[strlen(c->dir) - 1] = '\0'; /* no trailing slash */
    int r = store_read_json(s, id, "container.json", &c->doc);
    if (r == 0)
        r = store_read_json(s, id, "state.json", &c->state);
    if (r == 0 && store_name_of(s, id, c->name, sizeof(c->name)) < 0)
        c->name[0] = '\0';
    if (r < 0) {
        ctr_free(c);
        return err_wrap(r, "container %.12s", id);
    }
    refresh_state(c);
    return 0;
}

int ctr_load(struct store *s, const char *ref, struct ctr *c)
{
    char id[STORE_ID_LEN + 1];
    memset(c, 0, sizeof(*c));
    int r = store_resolve(s, ref, id);
    return r < 0 ? r : ctr_load_id(s, id, c);
}

void ctr_free(struct ctr *c)
{
    json_decref(c->doc);
    json_decref(c->state);
    c->doc = c->state = NULL;
}

int ctr_update_state(const struct store *s, const char *id, json_t *changes)
{
    int lock = -1;
    json_t *state = NULL;
    int r = store_lock(s, id, &lock);
    if (r == 0)
        r = store_read_json(s, id, "state.json", &state);
    if (r == 0) {
        const char *key;
        json_t *value;
        json_object_foreach(changes, key, value)
        {
            if (json_is_null(value))
                json_object_del(state, key);
            else
                json_object_set(state, key, value);
        }
        r = store_write_json(s, id, "state.json", state);
    }
    json_decref(state);
    json_decref(changes);
    if (lock >= 0)
        store_unlock(lock);
    return r;
}

/* ---------------------------------------------------------------------------
 * Creating: Docker's rules for merging the image's config with the options.
 * ------------------------------------------------------------------------- */

static json_t *strv_to_json(char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *labels_object(const json_t *image_labels, const strv_t *labels)
{
    json_t *o = json_is_object(image_labels) ? json_deep_copy(image_labels) : json_object();
    const char *k;
    json_t *v, *tmp;
    /* an image that carries a builder's labels (a commit of a RUN container)
     * must not make its containers look like that builder's */
    json_object_foreach_safe(o, tmp, k, v) if (str_has_prefix(k, BUILD_LABEL_PREFIX))
        json_object_del(o, k);
    for (size_t i = 0; i < labels->len; i++) {
        const char *eq = strchr(labels->v[i], '=');
        char *key = strndup(labels->v[i], eq ? (size_t)(eq - labels->v[i]) : strlen(labels->v[i]));
        if (key && *key)
            json_object_set_new(o, key, json_string(eq ? eq + 1 : ""));
        free(key);
    }
    return o;
}

/* The command: Entrypoint + Cmd, where `run IMAGE ARGS` replaces Cmd and
 * --entrypoint replaces Entrypoint and clears the image's Cmd. */
static int resolve_command(const struct run_opts *o, const json_t *img, json_t **entry,
                           json_t **cmd)
{
    json_t *ie = json_object_get(img, "Entrypoint"), *ic = json_object_get(img, "Cmd");
    if (o->entrypoint_set)
        *entry =
            o->entrypoint[0] ? strv_to_json((char *[]){(char *)o->entrypoint, NULL}) : json_array();
    else
        *entry = json_is_array(ie) ? json_deep_copy(ie) : json_array();
    if (o->args && o->args[0])
        *cmd = strv_to_json(o->args);
    else if (!o->entrypoint_set && json_is_array(ic))
        *cmd = json_deep_copy(ic);
    else
        *cmd = json_array();
    if (json_array_size(*entry) + json_array_size(*cmd) == 0) {
        json_decref(*entry);
        json_decref(*cmd);
        return err_setx(EINVAL, "No command specified");
    }
    return 0;
}

/* Image Env first, then -e (which override by name); PATH always set. */
static int merge_env(const struct run_opts *o, const json_t *img, strv_t *env)
{
    json_t *ie = json_object_get(img, "Env"), *v;
    size_t i;
    int r = 0;
    json_array_foreach(ie, i, v)
    {
        if (json_is_string(v) && (r = strv_env_set(env, json_string_value(v))) < 0)
            return r;
    }
    for (i = 0; i < o->env.len && r == 0; i++)
        r = strv_env_set(env, o->env.v[i]);
    bool has_path = false;
    for (i = 0; i < env->len; i++)
        has_path |= strncmp(env->v[i], "PATH=", 5) == 0;
    if (r == 0 && !has_path) {
        strv_t with = {0};
        r = strv_push(&with, DEFAULT_PATH);
        for (i = 0; r == 0 && i < env->len; i++)
            r = strv_push(&with, env->v[i]);
        strv_free(env);
        *env = with;
    }
    return r;
}

/* Each mount: Docker's "Mounts" entry for inspect, and ours (everything
 * the monitor needs to mount it again at each start). */
static int add_mount_entry(const struct md_global *g, const struct vol_spec *m, json_t *mounts,
                           json_t *ours, json_t *binds)
{
    char name[256] = "", source[PATH_MAX] = "";
    bool anonymous = false;
    int r = 0;
    switch (m->type) {
    case VOL_BIND: {
        struct stat st;
        if (stat(m->source, &st) < 0)
            return err_setx(ENOENT,
                            "invalid mount config for type \"bind\": bind source path does not "
                            "exist: %s",
                            m->source);
        snprintf(source, sizeof(source), "%s", m->source);
        json_array_append_new(
            binds, json_sprintf("%s:%s%s", m->source, m->target, m->readonly ? ":ro" : ""));
        break;
    }
    case VOL_VOLUME: {
        json_t *labels = json_object();
        anonymous = !m->source;
        r = volume_create(g, m->source, labels, name, sizeof(name));
        json_decref(labels);
        if (r == 0)
            r = vol_path(g->root, name, source, sizeof(source));
        break;
    }
    case VOL_TMPFS:
    default:
        break;
    }
    if (r < 0)
        return r;
    const char *type = m->type == VOL_BIND ? "bind" : m->type == VOL_VOLUME ? "volume" : "tmpfs";
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", type, "Source", source,
                          "Destination", m->target, "Mode", "", "RW", !m->readonly, "Propagation",
                          m->type == VOL_BIND ? "rprivate" : "");
    if (m->type == VOL_VOLUME) {
        json_object_set_new(d, "Name", json_string(name));
        json_object_set_new(d, "Driver", json_string("local"));
        json_object_set_new(d, "Mode", json_string("z"));
    }
    json_array_append_new(mounts, d);
    json_array_append_new(
        ours, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:I, s:i}", "Type", type, "Source",
                        m->type == VOL_VOLUME ? name : source, "Target", m->target, "ReadOnly",
                        m->readonly, "NoCopy", m->nocopy, "Anonymous", anonymous, "TmpfsSize",
                        (json_int_t)m->tmpfs_size, "TmpfsMode", (int)m->tmpfs_mode));
    return 0;
}

/* The image's VOLUME paths that no option covers become anonymous volumes. */
static int add_image_volumes(struct run_opts *o, const json_t *img)
{
    const char *path;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(img, "Volumes"), path, v)
    {
        bool covered = false;
        for (size_t i = 0; i < o->nmounts; i++)
            covered |= strcmp(o->mounts[i].target, path) == 0;
        if (covered)
            continue;
        struct vol_spec *m = realloc(o->mounts, (o->nmounts + 1) * sizeof(*m));
        if (!m)
            return err_set(ENOMEM, "volumes");
        o->mounts = m;
        o->mounts[o->nmounts++] = (struct vol_spec){.type = VOL_VOLUME, .target = strdup(path)};
    }
    return 0;
}

static json_t *restart_policy(const char *restart)
{
    char name[32] = "no";
    int max = 0;
    if (restart) {
        snprintf(name, sizeof(name), "%s", restart);
        char *colon = strchr(name, ':');
        if (colon) {
            *colon = '\0';
            max = atoi(colon + 1);
        }
    }
    return json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount", max);
}

static int64_t nano_cpus(const struct cg_limits *l)
{
    return l->cpu_period_us ? l->cpu_quota_us * 1000000000LL / l->cpu_period_us : 0;
}

static json_t *host_config(const struct run_opts *o, json_t *binds, json_t *mounts)
{
    json_t *tmpfs = json_object();
    for (size_t i = 0; i < o->nmounts; i++)
        if (o->mounts[i].type == VOL_TMPFS)
            json_object_set_new(tmpfs, o->mounts[i].target, json_string(""));
    return json_pack(
        "{s:o, s:s, s:o, s:b, s:o, s:o, s:b, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, "
        "s:s, s:b}",
        "Binds", binds, "NetworkMode", o->network ? o->network : "none", "RestartPolicy",
        restart_policy(o->restart), "AutoRemove", o->rm, "CapAdd", strv_to_json(o->cap_add.v),
        "CapDrop", strv_to_json(o->cap_drop.v), "Privileged", o->cfg.sec.privileged, "SecurityOpt",
        strv_to_json(o->security_opt.v), "Init", o->cfg.init, "Memory",
        (json_int_t)o->limits.memory, "MemorySwap", (json_int_t)o->limits.memory_swap, "NanoCpus",
        (json_int_t)nano_cpus(&o->limits), "CpuShares", (json_int_t)o->limits.cpu_shares,
        "PidsLimit", (json_int_t)o->limits.pids_max, "Tmpfs", tmpfs, "Mounts", mounts,
        "PortBindings", json_object(), "LogConfig", "json-file", "ReadonlyRootfs", false);
}

/* Everything of container.json but the mounts and the ids. */
static int build_config(const struct run_opts *o, const json_t *img, const char *hostname,
                        json_t **config)
{
    json_t *entry, *cmd;
    strv_t env = {0};
    int r = resolve_command(o, img, &entry, &cmd);
    if (r < 0)
        return r;
    r = merge_env(o, img, &env);
    if (r < 0) {
        json_decref(entry);
        json_decref(cmd);
        strv_free(&env);
        return r;
    }
    const char *user = o->cfg.user ? o->cfg.user : json_string_value(json_object_get(img, "User"));
    const char *wd =
        o->cfg.workdir ? o->cfg.workdir : json_string_value(json_object_get(img, "WorkingDir"));
    const char *stopsig =
        o->stop_signal ? o->stop_signal : json_string_value(json_object_get(img, "StopSignal"));
    json_t *volumes = json_object();
    for (size_t i = 0; i < o->nmounts; i++)
        if (o->mounts[i].type == VOL_VOLUME)
            json_object_set_new(volumes, o->mounts[i].target, json_object());
    json_t *exposed = json_object_get(img, "ExposedPorts");
    *config = json_pack(
        "{s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:b, s:b, s:b, s:o, s:o, s:s, s:o, s:s, s:o, s:o}",
        "Hostname", hostname, "Domainname", "", "User", user ? user : "", "AttachStdin",
        o->interactive && !o->detach, "AttachStdout", !o->detach, "AttachStderr", !o->detach,
        "ExposedPorts", json_is_object(exposed) ? json_deep_copy(exposed) : json_object(), "Tty",
        o->tty, "OpenStdin", o->interactive, "StdinOnce", o->interactive && !o->detach, "Env",
        strv_to_json(env.v), "Cmd", cmd, "Image", o->image ? o->image : "", "Volumes", volumes,
        "WorkingDir", wd ? wd : "", "Entrypoint", json_array_size(entry) ? entry : json_null(),
        "Labels", labels_object(json_object_get(img, "Labels"), &o->labels));
    if (json_array_size(entry) == 0)
        json_decref(entry);
    if (*config && stopsig)
        json_object_set_new(*config, "StopSignal", json_string(stopsig));
    if (*config && o->stop_timeout >= 0)
        json_object_set_new(*config, "StopTimeout", json_integer(o->stop_timeout));
    strv_free(&env);
    return *config ? 0 : err_set(ENOMEM, "container config");
}

/* Path and Args: the first word of Entrypoint + Cmd, and the rest. */
static void set_path_args(json_t *doc, const json_t *config)
{
    json_t *all = json_array();
    json_t *e = json_object_get(config, "Entrypoint");
    if (json_is_array(e))
        json_array_extend(all, e);
    json_array_extend(all, json_object_get(config, "Cmd"));
    json_object_set(doc, "Path", json_array_get(all, 0));
    json_array_remove(all, 0);
    json_object_set_new(doc, "Args", all);
}

int ctr_create(const struct md_global *g, struct run_opts *o, char id[STORE_ID_LEN + 1])
{
    struct store s = {0};
    struct image_store *ist = NULL;
    struct image img = {0};
    json_t *imgcfg = NULL, *config = NULL, *doc = NULL;
    char name[256], hostname[64], path[PATH_MAX], now[64];
    bool created = false;
    int r = ctr_store(g, &s);
    s.sync = !o->rm; /* an --rm container need not survive a crash (store.h) */

    struct image_ref ref;
    if (r == 0 && o->image && image_ref_parse(o->image, &ref) < 0)
        return -EINVAL; /* Docker's "invalid reference format" is in the slot */
    if (r == 0 && o->image) {
        r = image_store_open(g->root, &ist);
        if (r == 0 && (r = image_lookup(ist, o->image, &img)) < 0)
            r = err_wrap(r, "Unable to find image '%s' locally", o->image);
        if (r == 0)
            r = image_config(ist, &img, &imgcfg);
    }
    json_t *img_config = imgcfg ? json_object_get(imgcfg, "config") : NULL;
    if (r == 0 && o->image)
        r = add_image_volumes(o, img_config);
    if (r == 0 && (r = store_create(&s, o->name, id, name, sizeof(name))) == 0)
        created = true;
    if (r == 0) {
        snprintf(hostname, sizeof(hostname), "%.12s", id);
        r = build_config(o, img_config, o->cfg.hostname ? o->cfg.hostname : hostname, &config);
    }
    json_t *mounts = json_array(), *ours = json_array(), *binds = json_array();
    for (size_t i = 0; r == 0 && i < o->nmounts; i++)
        r = add_mount_entry(g, &o->mounts[i], mounts, ours, binds);
    if (r == 0) {
        store_timestamp(now, sizeof(now), 0);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        store_timestamp(now, sizeof(now), (double)ts.tv_sec + ts.tv_nsec / 1e9);
        store_path(&s, id, "", path, sizeof(path));
        char logpath[PATH_MAX + 80];
        snprintf(logpath, sizeof(logpath), "%s%s-json.log", path, id);
        doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:O, s:O}", "Id", id,
                        "Created", now, "Name", "", "Image", o->image ? img.id : "", "LogPath",
                        logpath, "Driver", o->image ? "overlay2" : "none", "Platform", "linux",
                        "ResolvConfPath", "", "RestartCount", 0, "Config", config, "Mounts", mounts,
                        "HostConfig", json_null());
        config = NULL;
        json_object_set_new(doc, "Name", json_sprintf("/%s", name));
        json_object_set_new(doc, "HostConfig",
                            host_config(o, json_incref(binds), json_incref(mounts)));
        json_object_set_new(
            doc, "NetworkSettings",
            json_pack("{s:o, s:o}", "Networks", json_object(), "Ports", json_object()));
        json_t *mine = json_pack("{s:O}", "Mounts", ours);
        if (o->cfg.rootfs) {
            char abs[PATH_MAX];
            json_object_set_new(mine, "Rootfs",
                                json_string(realpath(o->cfg.rootfs, abs) ? abs : o->cfg.rootfs));
        }
        if (o->image)
            json_object_set_new(doc, "GraphDriver",
                                json_pack("{s:s, s:{s:s%, s:s%, s:s%}}", "Name", "overlay2", "Data",
                                          "UpperDir", path, strlen(path), "WorkDir", path,
                                          strlen(path), "MergedDir", path, strlen(path)));
        json_object_set_new(doc, "Minidock", mine);
        set_path_args(doc, json_object_get(doc, "Config"));
        r = doc ? 0 : err_set(ENOMEM, "container.json");
    }
    if (r == 0 && o->image) {
        json_t *gd = json_object_get(json_object_get(doc, "GraphDriver"), "Data");
        json_object_set_new(gd, "UpperDir", json_sprintf("%supper", path));
        json_object_set_new(gd, "WorkDir", json_sprintf("%swork", path));
        json_object_set_new(gd, "MergedDir", json_sprintf("%srootfs", path));
        char dir[PATH_MAX + 16];
        for (const char *const *d = (const char *const[]){"upper", "work", "rootfs", NULL};
             *d && r == 0; d++) {
            snprintf(dir, sizeof(dir), "%s%s", path, *d);
            /* upper/ becomes the container's "/": it must be traversable
             * by every user the container may run as */
            if (mkdir(dir, strcmp(*d, "work") == 0 ? 0700 : 0755) < 0 && errno != EEXIST)
                r = err_set(errno, "mkdir %s", dir);
        }
    }
    if (r == 0)
        r = store_write_json(&s, id, "container.json", doc);
    if (r == 0) {
        json_t *state =
            json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s, s:i}", "Status",
                      "created", "Running", 0, "Paused", 0, "Restarting", 0, "OOMKilled", 0, "Dead",
                      0, "Pid", 0, "ExitCode", 0, "Error", "", "StartedAt", "0001-01-01T00:00:00Z",
                      "FinishedAt", "0001-01-01T00:00:00Z", "RestartCount", 0);
        r = store_write_json(&s, id, "state.json", state);
        json_decref(state);
    }
    if (r < 0 && created)
        store_remove(&s, id);
    json_decref(mounts);
    json_decref(ours);
    json_decref(binds);
    json_decref(config);
    json_decref(doc);
    json_decref(imgcfg);
    image_free(&img);
    if (ist)
        image_store_close(ist);
    return r;
}

/* ---------------------------------------------------------------------------
 * Rebuilding the runtime settings from container.json.
 * ------------------------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

static int push_strings(strv_t *v, const json_t *a)
{
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        int r = strv_push(v, json_string_value(x) ? json_string_value(x) : "");
        if (r < 0)
            return r;
    }
    return 0;
}

int ctr_runtime_config(const struct ctr *c, struct run_opts *o)
{
    const json_t *cfg = json_object_get(c->doc, "Config");
    const json_t *hc = json_object_get(c->doc, "HostConfig");
    const json_t *mine = json_object_get(c->doc, "Minidock");
    int r = 0;

    memset(o, 0, sizeof(*o));
    ns_config_init(&o->cfg);
    o->stop_timeout = -1;
    snprintf(o->id, sizeof(o->id), "%s", c->id);
    o->cfg.rootfs = jstr(mine, "Rootfs");
    o->cfg.hostname = jstr(cfg, "Hostname");
    o->cfg.workdir = jstr(cfg, "WorkingDir");
    o->cfg.user = jstr(cfg, "User");
    o->cfg.init = json_is_true(json_object_get(hc, "Init"));
    o->tty = o->cfg.tty = json_is_true(json_object_get(cfg, "Tty"));
    o->interactive = json_is_true(json_object_get(cfg, "OpenStdin"));
    const char *net = jstr(hc, "NetworkMode");
    o->cfg.share_net = net && strcmp(net, "host") == 0;

    /* argv and envp live in o's vectors */
    r = strv_push(&o->argv, jstr(c->doc, "Path") ? jstr(c->doc, "Path") : "");
    if (r == 0)
        r = push_strings(&o->argv, json_object_get(c->doc, "Args"));
    if (r == 0)
        r = push_strings(&o->env, json_object_get(cfg, "Env"));
    if (r == 0 && o->cfg.hostname) {
        char *h = str_printf("HOSTNAME=%s", o->cfg.hostname);
        r = h ? strv_env_set(&o->env, h) : -ENOMEM;
        free(h);
    }
    if (r == 0 && o->tty) {
        bool has_term = false;
        for (size_t i = 0; i < o->env.len; i++)
            has_term |= strncmp(o->env.v[i], "TERM=", 5) == 0;
        if (!has_term)
            r = strv_push(&o->env, "TERM=xterm");
    }
    o->cfg.argv = o->argv.v;
    o->cfg.envp = o->env.v;

    /* security */
    o->cfg.sec.privileged = json_is_true(json_object_get(hc, "Privileged"));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(hc, "CapAdd"), i, x) if (r == 0) r =
        sec_cap_add(&o->cfg.sec, json_string_value(x));
    json_array_foreach(json_object_get(hc, "CapDrop"), i, x) if (r == 0) r =
        sec_cap_drop(&o->cfg.sec, json_string_value(x));
    json_array_foreach(json_object_get(hc, "SecurityOpt"), i, x) if (r == 0) r =
        sec_parse_opt(&o->cfg.sec, json_string_value(x));

    /* limits */
    o->limits.memory = json_integer_value(json_object_get(hc, "Memory"));
    o->limits.memory_swap = json_integer_value(json_object_get(hc, "MemorySwap"));
    int64_t nano = json_integer_value(json_object_get(hc, "NanoCpus"));
    if (nano > 0) {
        o->limits.cpu_period_us = 100000;
        o->limits.cpu_quota_us = nano / 10000;
    }
    o->limits.cpu_shares = json_integer_value(json_object_get(hc, "CpuShares"));
    o->limits.pids_max = json_integer_value(json_object_get(hc, "PidsLimit"));

    /* mounts */
    const json_t *ms = json_object_get(mine, "Mounts");
    o->mounts = calloc(json_array_size(ms) + 1, sizeof(*o->mounts));
    if (!o->mounts)
        return err_set(ENOMEM, "mounts");
    json_array_foreach(ms, i, x)
    {
        struct vol_spec *m = &o->mounts[o->nmounts++];
        const char *type = jstr(x, "Type");
        m->type = !type                         ? VOL_TMPFS
                  : strcmp(type, "bind") == 0   ? VOL_BIND
                  : strcmp(type, "volume") == 0 ? VOL_VOLUME
                                                : VOL_TMPFS;
        m->source = jstr(x, "Source") ? strdup(jstr(x, "Source")) : NULL;
        m->target = strdup(jstr(x, "Target") ? jstr(x, "Target") : "/");
        m->readonly = json_is_true(json_object_get(x, "ReadOnly"));
        m->nocopy = json_is_true(json_object_get(x, "NoCopy"));
        m->tmpfs_size = json_integer_value(json_object_get(x, "TmpfsSize"));
        m->tmpfs_mode = (mode_t)json_integer_value(json_object_get(x, "TmpfsMode"));
    }
    return r;
}

int ctr_layer_dirs(const struct md_global *g, const struct ctr *c, strv_t *dirs)
{
    const char *image = jstr(c->doc, "Image");
    struct image_store *ist = NULL;
    struct image img = {0};
    if (!image)
        return 0;
    int r = image_store_open(g->root, &ist);
    if (r == 0)
        r = image_lookup(ist, image, &img);
    if (r == 0)
        r = image_layer_dirs(ist, &img, dirs);
    image_free(&img);
    if (ist)
        image_store_close(ist);
    return r;
}

int ctr_remove(const struct md_global *g, struct store *s, struct ctr *c, bool volumes)
{
    char cgname[128], trash[PATH_MAX];
    struct cg_host host;
    struct cgroup *cg = NULL;
    ctr_cgroup_name(c->id, cgname, sizeof(cgname));
    if (cg_detect(&host) == 0 && cg_open(&host, cgname, &cg) == 0) {
        cg_kill(cg, SIGKILL);
        if (cg_destroy(cg) < 0)
            log_warn("remove the cgroup of %.12s: %s", c->id, err_msg());
        cg_remove_if_empty(&host, "minidock");
    }
    int r = ctr_retire(g, s, c, volumes, trash, sizeof(trash));
    return r < 0 ? r : remove_tree(trash);
}

int ctr_retire(const struct md_global *g, struct store *s, struct ctr *c, bool volumes, char *trash,
               size_t size)
{
    int r = store_retire(s, c->id, trash, size);
    if (r < 0 || !volumes)
        return r;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(json_object_get(c->doc, "Minidock"), "Mounts"), i, m)
    {
        if (json_is_true(json_object_get(m, "Anonymous")) && jstr(m, "Source") &&
            vol_remove(g->root, jstr(m, "Source")) < 0)
            log_warn("remove volume %s: %s", jstr(m, "Source"), err_msg());
    }
    return 0;
}
