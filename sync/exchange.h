/*
** exchange.h — sync between station replicas and a county store in one
** process, through the same codec as the network (encode, deflate,
** inflate, decode).  For tests and developer tools: it exercises the
** whole engine before any HTTP is involved.
*/
#ifndef SW_EXCHANGE_H
#define SW_EXCHANGE_H

#include "replica.h"
#include "store.h"

/*
** Seal r's outbox and push up to limit pending changes to s, then
** acknowledge what s applied (unless drop_ack: the answer "was lost", and
** the same changes will be sent again).  *res (may be NULL) gets the
** store's answer; *sent the number of changes sent (0: nothing pending).
*/
int exchange_push(struct replica *r, struct store *s, size_t limit,
                  int drop_ack, struct push_result *res, size_t *sent,
                  struct sw_err *err);

/*
** Pull up to limit fields for r from s, after r's cursor, and apply them
** (times: 0 drops the batch on the way, 2 applies it twice).  *more: more
** remain.  *got: changes in the batch.
*/
int exchange_pull(struct store *s, struct replica *r, size_t limit, int times,
                  int *more, size_t *got, struct sw_err *err);

/* Push everything and pull everything: a full sync of r with s. */
int exchange_sync(struct replica *r, struct store *s, struct sw_err *err);

#endif
