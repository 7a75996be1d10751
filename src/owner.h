/*
 * owner.h
 *	  A table's owner, and reading as it (the rules cache).
 */
#ifndef SALESALGO_OWNER_H
#define SALESALGO_OWNER_H

extern Oid	RelationOwner(Oid relid);
extern void BecomeOwner(Oid owner, Oid *saved_userid, int *saved_context);

#endif							/* SALESALGO_OWNER_H */
