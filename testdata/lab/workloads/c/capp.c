/* capp is a lab workload: one operation, errors reported the C way
 * (perror / strerror(errno)), as most daemons written in C do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/personality.h>
#include <sys/time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <pthread.h>

static void *idle(void *arg) { (void)arg; sleep(5); return NULL; }

/* uses about 1 KiB of stack per level */
static int deep(int n) { volatile char pad[1024]; pad[0] = (char)n; return n <= 0 ? pad[0] : deep(n - 1) + pad[0]; }

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: capp ACTION ARG\n"); return 64; }
	const char *a = argv[1], *p = argv[2];
	if (!strcmp(a, "write")) {
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) { fprintf(stderr, "capp: cannot open %s for writing: %s\n", p, strerror(errno)); return 1; }
		close(fd);
	} else if (!strcmp(a, "mkdir")) {
		if (mkdir(p, 0755) < 0) { perror(p); return 1; }
	} else if (!strcmp(a, "read")) {
		FILE *f = fopen(p, "r");
		if (!f) { fprintf(stderr, "error: fopen(\"%s\") failed: %s (errno=%d)\n", p, strerror(errno), errno); return 1; }
		char buf[64]; if (fread(buf, 1, sizeof buf, f) == 0 && ferror(f)) { perror("read"); return 1; }
		fclose(f);
	} else if (!strcmp(a, "swapon")) {
		printf("capp: enabling swap on %s\n", p); fflush(stdout);
		if (swapon(p, 0) < 0) { perror("swapon"); return 1; }
	} else if (!strcmp(a, "ioperm")) {
		if (ioperm(0x80, 1, 1) < 0) { perror("ioperm"); return 1; }
	} else if (!strcmp(a, "personality")) {
		if (personality(PER_LINUX32) < 0) { perror("personality"); return 1; }
	} else if (!strcmp(a, "settime")) {
		struct timeval tv; gettimeofday(&tv, NULL);
		if (settimeofday(&tv, NULL) < 0) { fprintf(stderr, "capp: settimeofday: %s\n", strerror(errno)); return 1; }
	} else if (!strcmp(a, "threads")) {
		int n = atoi(p);
		for (int i = 0; i < n; i++) {
			pthread_t t; int rc = pthread_create(&t, NULL, idle, NULL);
			if (rc) { fprintf(stderr, "capp: pthread_create (thread %d): %s\n", i, strerror(rc)); return 1; }
		}
	} else if (!strcmp(a, "mlock")) {
		size_t n = (size_t)atoi(p) << 20; char *m = malloc(n);
		if (!m || mlock(m, n) < 0) { fprintf(stderr, "capp: mlock: %s\n", strerror(errno)); return 1; }
	} else if (!strcmp(a, "bigfile")) {
		FILE *f = fopen(p, "w"); if (!f) { perror(p); return 1; }
		static char buf[1 << 16];
		for (int i = 0; i < 64; i++) fwrite(buf, 1, sizeof buf, f);
		fclose(f);
	} else if (!strcmp(a, "spin")) {
		volatile unsigned long x = 0; for (;;) x++;
	} else if (!strcmp(a, "openrw")) {
		int fd = open(p, O_RDWR);
		if (fd < 0) { fprintf(stderr, "capp: open %s: %s\n", p, strerror(errno)); return 1; }
		close(fd);
	} else if (!strcmp(a, "recurse")) {
		/* recursion ARG KiB deep (a parser on a deeply nested input, say) */
		printf("capp: depth %d\n", deep(atoi(p))); fflush(stdout);
	} else if (!strcmp(a, "shmget")) {
		/* attach to a System V segment another process created (key in hex) */
		key_t key = (key_t)strtol(p, NULL, 16);
		int id = shmget(key, 0, 0);
		if (id < 0) { fprintf(stderr, "capp: shmget(0x%x): %s\n", (unsigned)key, strerror(errno)); return 1; }
	} else {
		fprintf(stderr, "capp: unknown action %s\n", a); return 64;
	}
	printf("capp: %s %s ok\n", a, p);
	sleep(2);
	return 0;
}
