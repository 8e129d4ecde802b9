// SPDX-License-Identifier: MIT
/*
 * The server half of QEMU's ivshmem-doorbell protocol.  QEMU 10 has no
 * vfio-user client, so the chip reaches the guest as an ivshmem peer: the
 * shared-memory fd becomes BAR2, the eventfds we hand out as our own vectors
 * are what the guest's DOORBELL writes signal, and the eventfds we hand out
 * as the guest's vectors become its MSI-X interrupts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu.h"

/* Protocol version the server announces first. */
#define IVSHMEM_PROTOCOL_VERSION 0

static int send_msg(int sock, int64_t val, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &val, .iov_len = sizeof(val) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == sizeof(val) ? 0 : -1;
}

/*
 * Listens on path.  The socket appears under its name only once it
 * accepts connections (bound under a temporary name, then renamed), so a
 * client that waits for the path never finds a socket that refuses it.
 */
int emu_listen_unix(const char *path, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) + 5 >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.tmp", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, backlog) ||
	    rename(sa.sun_path, path)) {
		unlink(sa.sun_path);
		close(fd);
		return -1;
	}
	return fd;
}

int emu_ivshmem_listen(struct emu *emu, const char *path)
{
	emu->listen_fd = emu_listen_unix(path, 1);
	return emu->listen_fd < 0 ? -1 : 0;
}

/*
 * Accepts QEMU and runs the server side of the handshake.  We are peer
 * my_id with ENPU1_DB_VECTORS vectors; the guest is guest_id with
 * ENPU1_IRQ_VECTORS vectors.
 */
int emu_ivshmem_accept(struct emu *emu)
{
	int fd, i;

	fd = accept4(emu->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	emu->my_id = 0;
	emu->guest_id = 1;

	for (i = 0; i < ENPU1_DB_VECTORS; i++) {
		if (emu->db_fd[i] < 0)
			emu->db_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (emu->db_fd[i] < 0)
			goto err;
	}
	for (i = 0; i < ENPU1_IRQ_VECTORS; i++) {
		if (emu->irq_fd[i] < 0)
			emu->irq_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (emu->irq_fd[i] < 0)
			goto err;
	}

	if (send_msg(fd, IVSHMEM_PROTOCOL_VERSION, -1) ||
	    send_msg(fd, emu->guest_id, -1) ||
	    send_msg(fd, -1, emu->shm_fd))
		goto err;
	for (i = 0; i < ENPU1_DB_VECTORS; i++)
		if (send_msg(fd, emu->my_id, emu->db_fd[i]))
			goto err;
	for (i = 0; i < ENPU1_IRQ_VECTORS; i++)
		if (send_msg(fd, emu->guest_id, emu->irq_fd[i]))
			goto err;

	emu->conn_fd = fd;
	emu_reg_write(emu, ENPU1_REG_DB_TARGET, emu->my_id);
	emu_log(emu, EMU_INFO, "link: QEMU connected (chip is peer %u, guest %u)",
		emu->my_id, emu->guest_id);
	return 0;
err:
	emu_log(emu, EMU_ERR, "link: handshake with QEMU failed: %s", strerror(errno));
	close(fd);
	return -1;
}
