/*
 * notify_sink — stand in for systemd's notification socket in tests: bind
 * an AF_UNIX datagram socket at PATH and print every datagram received,
 * one per line (newlines inside become '|'), until SECONDS have passed.
 *
 * usage: notify_sink PATH SECONDS
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct timespec start, now;
	char buf[4096];
	struct pollfd pfd;
	long ms_left, limit_ms;
	ssize_t n, i;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: notify_sink PATH SECONDS\n");
		return 2;
	}
	limit_ms = atol(argv[2]) * 1000;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sun.sun_path) {
		fprintf(stderr, "notify_sink: path too long\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		perror("notify_sink");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms_left = limit_ms - ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (ms_left <= 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)ms_left) <= 0)
			continue;
		n = recv(fd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				buf[i] = '|';
		}
		buf[n] = '\0';
		printf("%s\n", buf);
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}
