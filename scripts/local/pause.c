/*
 * The pod sandbox process of the local cluster's real nodes (the role of Kubernetes' "pause"
 * image, which cannot be pulled here). It holds the pod's namespaces open, reaps the zombies that
 * end up with it as PID 1, and exits on SIGINT/SIGTERM so a sandbox stops at once.
 * Built static by scripts/local-images.sh: the image holds this one file.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int signal_number) { _exit(128 + signal_number); }

static void reap(int signal_number) {
    (void)signal_number;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

int main(void) {
    struct sigaction on_stop = {.sa_handler = stop};
    struct sigaction on_child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
    if (sigaction(SIGINT, &on_stop, NULL) < 0 || sigaction(SIGTERM, &on_stop, NULL) < 0 ||
        sigaction(SIGCHLD, &on_child, NULL) < 0)
        return 2;
    for (;;) pause();
}
