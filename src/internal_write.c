/*
 * internal_write.c
 *	  The mark on salesalgo's own writes of what it keeps.
 *
 * A manager's in_work and the client history change only in statements
 * that salesalgo's own code runs.  The mark is an order of the statement
 * that runs them (statement.c), so it holds for exactly those statements:
 * not for a DBA's trigger that runs SQL inside them, and not after a
 * subtransaction abort anywhere has taken it back.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/rel.h"

#include "internal_write.h"
#include "owner.h"
#include "statement.h"

/*
 * Marks the statements that follow, until EndInternalWrite(), as
 * salesalgo's own, run as the owner of the table it reads or writes.
 */
void
BeginInternalWrite(Relation rel, Oid *saved_userid, int *saved_context)
{
	PushOrders(CurrentStatement())->internal = true;
	BecomeOwner(rel->rd_rel->relowner, saved_userid, saved_context);
}

void
EndInternalWrite(Oid saved_userid, int saved_context)
{
	SetUserIdAndSecContext(saved_userid, saved_context);
	PopOrders(CurrentStatement(), NULL);
}

/* Whether the current statement is one of salesalgo's own writes. */
bool
InternalWrite(void)
{
	return CurrentStatement()->own.internal;
}
