/*
 * owner.h
 *	  Reading the rule tables as their owner, for the rules cache.
 */
#ifndef SALESALGO_OWNER_H
#define SALESALGO_OWNER_H

extern void BecomeOwner(Oid owner, Oid *saved_userid, int *saved_context);

#endif							/* SALESALGO_OWNER_H */
