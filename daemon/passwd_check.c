/*
 * passwd_check — staff passwords checked off the event loop (see
 * passwd_check.h).  The slots are fixed: a check waits in one, is made
 * by the thread, and is reported to the loop, oldest first.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/passwd.h"
#include "daemon/passwd_check.h"

enum passwd_slot_state {
	PASSWD_SLOT_FREE = 0,
	PASSWD_SLOT_WAITING,
	PASSWD_SLOT_CHECKING,	/* the thread alone reads pw and hash */
	PASSWD_SLOT_CHECKED,
};

struct passwd_slot {
	enum passwd_slot_state state;
	unsigned long	 seq;		/* order of arrival */
	char		 pw[PASSWD_MAX];
	size_t		 len;
	char		 hash[PASSWD_HASH_SIZE];
	int		 ok;
	passwd_check_fn	 done;
	void		*arg;
};

struct passwd_check {
	pthread_mutex_t	 mu;		/* slots' states, stop, seq */
	pthread_cond_t	 cv;		/* a slot waits, or stop */
	pthread_t	 thread;
	int		 stop;
	int		 fds[2];	/* the thread writes, the loop reads */
	struct event	*ev;
	unsigned long	 seq;
	struct passwd_slot slot[PASSWD_CHECK_QUEUE];
};

/* The oldest slot in state, or NULL; with mu held. */
static struct passwd_slot *
passwd_check_oldest(struct passwd_check *pc, enum passwd_slot_state state)
{
	struct passwd_slot *best = NULL;
	size_t i;

	for (i = 0; i < PASSWD_CHECK_QUEUE; i++)
		if (pc->slot[i].state == state &&
		    (best == NULL || pc->slot[i].seq < best->seq))
			best = &pc->slot[i];
	return best;
}

static void *
passwd_check_thread(void *arg)
{
	struct passwd_check *pc = arg;
	struct passwd_slot *s = NULL;
	ssize_t n;
	int ok;

	pthread_mutex_lock(&pc->mu);
	for (;;) {
		while (!pc->stop && (s = passwd_check_oldest(pc,
		    PASSWD_SLOT_WAITING)) == NULL)
			pthread_cond_wait(&pc->cv, &pc->mu);
		if (pc->stop)
			break;
		s->state = PASSWD_SLOT_CHECKING;
		pthread_mutex_unlock(&pc->mu);
		ok = passwd_verify(s->pw, s->len, s->hash);
		explicit_bzero(s->pw, sizeof s->pw);
		pthread_mutex_lock(&pc->mu);
		s->ok = ok;
		s->state = PASSWD_SLOT_CHECKED;
		/* Full pipe: the loop is woken already and takes them all. */
		do
			n = write(pc->fds[1], "", 1);
		while (n == -1 && errno == EINTR);
	}
	pthread_mutex_unlock(&pc->mu);
	return NULL;
}

/* The loop's side: report every checked slot, oldest first. */
static void
passwd_check_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct passwd_check *pc = arg;
	struct passwd_slot *s;
	passwd_check_fn done = NULL;
	char buf[64];
	void *darg = NULL;
	int ok = 0;

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	for (;;) {
		pthread_mutex_lock(&pc->mu);
		s = passwd_check_oldest(pc, PASSWD_SLOT_CHECKED);
		if (s != NULL) {
			done = s->done;
			darg = s->arg;
			ok = s->ok;
			s->state = PASSWD_SLOT_FREE;
		}
		pthread_mutex_unlock(&pc->mu);
		if (s == NULL)
			return;
		/* Unlocked: done may queue the next check. */
		done(darg, ok);
	}
}

struct passwd_check *
passwd_check_new(struct event_base *base)
{
	struct passwd_check *pc = calloc(1, sizeof *pc);
	int e;

	if (pc == NULL)
		return NULL;
	if (pipe2(pc->fds, O_CLOEXEC | O_NONBLOCK) == -1) {
		free(pc);
		return NULL;
	}
	pc->ev = event_new(base, pc->fds[0], EV_READ | EV_PERSIST,
	    passwd_check_ready_cb, pc);
	if (pc->ev == NULL || event_add(pc->ev, NULL) != 0) {
		e = ENOMEM;
		goto fail;
	}
	pthread_mutex_init(&pc->mu, NULL);
	pthread_cond_init(&pc->cv, NULL);
	e = pthread_create(&pc->thread, NULL, passwd_check_thread, pc);
	if (e == 0)
		return pc;
	pthread_cond_destroy(&pc->cv);
	pthread_mutex_destroy(&pc->mu);
fail:
	if (pc->ev != NULL)
		event_free(pc->ev);
	close(pc->fds[0]);
	close(pc->fds[1]);
	free(pc);
	errno = e;
	return NULL;
}

int
passwd_check_start(struct passwd_check *pc, const char *pw, size_t len,
    const char *hash, passwd_check_fn done, void *arg)
{
	struct passwd_slot *s;

	pthread_mutex_lock(&pc->mu);
	s = passwd_check_oldest(pc, PASSWD_SLOT_FREE);
	if (s == NULL) {
		pthread_mutex_unlock(&pc->mu);
		return -1;
	}
	s->seq = pc->seq++;
	/* Longer than PASSWD_MAX: passwd_verify() refuses it unread. */
	s->len = len;
	memcpy(s->pw, pw, len < sizeof s->pw ? len : sizeof s->pw);
	/* A longer hash is not one of ours: cut, it matches nothing. */
	snprintf(s->hash, sizeof s->hash, "%s", hash);
	s->done = done;
	s->arg = arg;
	s->state = PASSWD_SLOT_WAITING;
	pthread_cond_signal(&pc->cv);
	pthread_mutex_unlock(&pc->mu);
	return 0;
}

void
passwd_check_free(struct passwd_check *pc)
{
	size_t i;

	if (pc == NULL)
		return;
	pthread_mutex_lock(&pc->mu);
	pc->stop = 1;
	pthread_cond_signal(&pc->cv);
	pthread_mutex_unlock(&pc->mu);
	pthread_join(pc->thread, NULL);
	for (i = 0; i < PASSWD_CHECK_QUEUE; i++) {
		if (pc->slot[i].state == PASSWD_SLOT_FREE)
			continue;
		explicit_bzero(pc->slot[i].pw, sizeof pc->slot[i].pw);
		pc->slot[i].done(pc->slot[i].arg, -1);
	}
	event_free(pc->ev);
	close(pc->fds[0]);
	close(pc->fds[1]);
	pthread_cond_destroy(&pc->cv);
	pthread_mutex_destroy(&pc->mu);
	free(pc);
}
