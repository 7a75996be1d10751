/*
 * owner.c
 *	  Running salesalgo's own reads and writes as a table's owner.
 *
 * As PostgreSQL's foreign-key triggers do: the rules must see every row,
 * whatever row-level security shows the user, and the user needs no
 * privilege on the tables salesalgo keeps.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "owner.h"

/*
 * Runs what follows as a table's owner, whom row-level security does not
 * bind, until SetUserIdAndSecContext(*saved_userid, *saved_context); an
 * error on the way restores the user with the (sub)transaction.
 */
void
BecomeOwner(Oid owner, Oid *saved_userid, int *saved_context)
{
	GetUserIdAndSecContext(saved_userid, saved_context);
	SetUserIdAndSecContext(owner,
						   *saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
}
