/* hello.c — the program of the hello-world image: a static binary that
 * needs nothing else in its image (FROM scratch). */
#include <unistd.h>

static const char text[] =
    "\n"
    "Hello from minidock!\n"
    "This message shows that your installation appears to be working correctly.\n"
    "\n"
    "To generate this message, minidock took the following steps:\n"
    " 1. The minidock client found the \"hello-world\" image in its local store.\n"
    " 2. It created a new container from that image: new namespaces, a cgroup,\n"
    "    and an overlay root made of the image's single layer.\n"
    " 3. The container's monitor ran this program and sent its output to the\n"
    "    client, which wrote it to your terminal.\n"
    "\n"
    "To try something more ambitious, you can run a shell with:\n"
    " $ minidock run -it busybox sh\n"
    "\n";

int main(void)
{
    return write(STDOUT_FILENO, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1) ? 0 : 1;
}
