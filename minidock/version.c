/* version.c — minidock version. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "minidock.h"

int cmd_version(const struct md_global *g, int argc, char **argv)
{
    struct utsname u;
    uname(&u);
    const char *arch = u.machine;
    if (strcmp(arch, "x86_64") == 0)
        arch = "amd64";
    else if (strcmp(arch, "aarch64") == 0)
        arch = "arm64";
    printf("Client:\n"
           " Version:           %s\n"
           " API version:       1.43 (not yet served)\n"
           " Built:             %s %s\n"
           " OS/Arch:           linux/%s\n"
           " Kernel:            %s\n",
           MINIDOCK_VERSION, __DATE__, __TIME__, arch, u.release);
    return 0;
}
