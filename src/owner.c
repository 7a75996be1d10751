/*
 * owner.c
 *	  Reading the rule tables as their owner, for the rules cache.
 *
 * The rules must see every rule, whatever privileges or row-level security
 * the user has: a manager needs no grant on the rules that bind it.  This is
 * safe because the rules cache runs only SELECTs of salesalgo's own rule
 * tables, which call no user code (no user-defined function, operator or
 * trigger).  salesalgo's writes (history rows, in_work counts) are never
 * made as the owner: internal_write.c makes them as the user who made the
 * change.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/syscache.h"

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

Oid
RelationOwner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}
