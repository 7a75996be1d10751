/*
 * owner.h
 *	  Running salesalgo's own reads and writes as a table's owner.
 */
#ifndef SALESALGO_OWNER_H
#define SALESALGO_OWNER_H

extern void BecomeOwner(Oid owner, Oid *saved_userid, int *saved_context);

#endif							/* SALESALGO_OWNER_H */
