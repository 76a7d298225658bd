// SPDX-License-Identifier: GPL-2.0
/*
 * fuzzsend HOST PORT FILE REPEAT: sends the datagrams of FILE (each a
 * 2-byte big-endian length, then that many bytes) to HOST:PORT (IPv4),
 * in order, back to back, REPEAT times over, and prints how many it
 * sent. For selftests/fuzzpkt.py: a Python loop is the slowest part of
 * a run under TCG. The test builds it in the guest with cc, into $TMP.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#define MAX_FILE (64 << 20)

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	unsigned long sent = 0;
	size_t size = 0, got;
	unsigned char *buf;
	long rep, repeat;
	FILE *f;
	int fd;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: fuzzsend HOST PORT FILE REPEAT\n");
		return 2;
	}
	sin.sin_port = htons(atoi(argv[2]));
	repeat = atol(argv[4]);
	f = fopen(argv[3], "rb");
	buf = malloc(MAX_FILE);
	if (!f || !buf) {
		perror(argv[3]);
		return 1;
	}
	while ((got = fread(buf + size, 1, MAX_FILE - size, f)) > 0)
		size += got;
	fclose(f);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("socket");
		return 1;
	}
	for (rep = 0; rep < repeat; rep++) {
		size_t off = 0, len;

		while (off + 2 <= size) {
			len = (size_t)buf[off] << 8 | buf[off + 1];
			if (off + 2 + len > size)
				break;
			if (send(fd, buf + off + 2, len, 0) < 0) {
				perror("send");
				return 1;
			}
			sent++;
			off += 2 + len;
		}
	}
	printf("%lu\n", sent);
	return 0;
}
