/*
 * client_trigger.c
 *	  The rules of the book on salesalgo.client (SPEC section 4, R1 to R9).
 *
 * Two triggers share the work.  client_rules, BEFORE INSERT OR UPDATE FOR
 * EACH ROW, sets the columns salesalgo keeps (state_since, and the deadline
 * clock of R7), refusing a statement that sets them itself (R8), and checks
 * what needs the old row: the move of an update (R2 to R5).  It has no side
 * effects, so a row that INSERT ... ON CONFLICT skips leaves no trace, and
 * it judges no creation: the row an upsert proposes may become an update.
 * client_log, AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT, judges
 * what the statement wrote, from its transition tables: the creations that
 * really happened (R1, R3, R5), the clients into and out of worklists,
 * refusing a full or inactive manager's (R6), and writes the history rows
 * (R9), and, when live events are on, rings the doorbell of events.c.
 * An error in either aborts the statement, so a rejected statement changes
 * nothing.
 *
 * Both take the rules, the time and the source of the change from the
 * statement (statement.c): every row of a statement sees the same rules,
 * pinned at its first row, whatever is committed meanwhile.  A statement costs
 * one update of each manager row whose worklist it changes, and one insert
 * of its history rows: nothing that grows with the client or history
 * tables, and nothing per row but the checks in memory.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "clock.h"
#include "events.h"
#include "guard.h"
#include "history.h"
#include "internal_write.h"
#include "rules.h"
#include "sizes.h"
#include "statement.h"
#include "types.h"
#include "worklist.h"

/*
 * Column numbers of salesalgo.client, looked up once per statement: a DBA
 * may drop and add columns between two statements, never during one.
 */
typedef struct ClientColumns
{
	Oid			relid;
	int			id;
	int			name;
	int			size;
	int			category_id;
	int			state;
	int			manager_id;
	int			refusal_reason;
	int			state_since;
	int			work_started_at;
	int			deadline_at;
	int			attributes;
	int			size_derived;	/* 0 before 1.2 */
	int			funnel_steps;	/* 0 before 1.2 */
} ClientColumns;

/* A client row, as the rules see it. */
typedef struct ClientRow
{
	HeapTuple	tuple;
	int64		id;
	bool		has_size;		/* false only before client_rules derives it */
	ClientSize	size;
	bool		size_derived;
	bool		size_set;		/* derived by client_rules for this row */
	bool		refused_nonprofile; /* by reclassify(), in client_rules */
	bool		has_category;
	int64		category_id;
	ClientState state;
	bool		has_manager;
	int64		manager_id;
	char	   *refusal_reason; /* NULL for none */
	bool		has_state_since;
	TimestampTz state_since;
	bool		has_work_started;
	TimestampTz work_started_at;
	bool		has_deadline;
	TimestampTz deadline_at;
	bool		has_funnel_steps;
	int16		funnel_steps;
} ClientRow;

static Oid
SalesTypeOid(const char *name)
{
	Oid			type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									   CStringGetDatum(name),
									   ObjectIdGetDatum(get_namespace_oid("salesalgo", false)));

	if (!OidIsValid(type))
		elog(ERROR, "type salesalgo.%s does not exist", name);
	return type;
}

/*
 * The columns the rules read, each checked for the type it is read as
 * before any row is read.  The caller has checked that rel is
 * salesalgo.client.
 */
static const ClientColumns *
ColumnsOf(Relation rel)
{
	SalesStatement *stmt = CurrentStatement();
	ClientColumns *columns = stmt->client_columns;
	Oid			size_type;
	Oid			state_type;

	if (columns != NULL && columns->relid == RelationGetRelid(rel))
		return columns;

	size_type = SalesTypeOid("client_size");
	state_type = SalesTypeOid("client_state");
	columns = MemoryContextAlloc(stmt->context, sizeof(ClientColumns));
	columns->id = ColumnOfType(rel, "id", INT8OID);
	columns->name = ColumnOfType(rel, "name", TEXTOID);
	columns->size = ColumnOfType(rel, "size", size_type);
	columns->category_id = ColumnOfType(rel, "category_id", INT8OID);
	columns->state = ColumnOfType(rel, "state", state_type);
	columns->manager_id = ColumnOfType(rel, "manager_id", INT8OID);
	columns->refusal_reason = ColumnOfType(rel, "refusal_reason", TEXTOID);
	columns->state_since = ColumnOfType(rel, "state_since", TIMESTAMPTZOID);
	columns->work_started_at = ColumnOfType(rel, "work_started_at", TIMESTAMPTZOID);
	columns->deadline_at = ColumnOfType(rel, "deadline_at", TIMESTAMPTZOID);
	columns->attributes = ColumnOfType(rel, "attributes", JSONBOID);
	/* a database still at 1.0 or 1.1 has no derived sizes */
	columns->size_derived = SPI_fnumber(RelationGetDescr(rel), "size_derived") > 0 ?
		ColumnOfType(rel, "size_derived", BOOLOID) : 0;
	columns->funnel_steps = SPI_fnumber(RelationGetDescr(rel), "funnel_steps") > 0 ?
		ColumnOfType(rel, "funnel_steps", INT2OID) : 0;
	columns->relid = RelationGetRelid(rel);
	stmt->client_columns = columns;
	return columns;
}

/*
 * A NULL state or size, reported as PostgreSQL reports a NOT NULL
 * violation, before any rule reads the value.
 */
static void
RejectNull(Relation rel, int64 client_id, int attnum)
{
	const char *column = SPI_fname(RelationGetDescr(rel), attnum);

	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
					column, RelationGetRelationName(rel)),
			 errdetail("Client " INT64_FORMAT " was to have no %s.", client_id, column),
			 attnum == ColumnsOf(rel)->state ?
			 errhint("Name a state, or leave state out of an INSERT to create the client in state new.") :
			 errhint("Give the client a size: nonprofile, small, medium or large."),
			 errtablecol(rel, attnum)));
}

/*
 * An int8 or timestamptz column, 0 when NULL: where int8 is passed by
 * reference (32-bit builds) a NULL Datum must not be dereferenced.
 */
static int64
GetInt64Column(HeapTuple tuple, int attnum, TupleDesc tupdesc, bool *present)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, attnum, tupdesc, &isnull);

	*present = !isnull;
	return isnull ? 0 : DatumGetInt64(value);
}

/*
 * Reads a client row; a NULL size is refused unless size_to_derive, where
 * client_rules is to derive it.
 */
static void
ReadClient(Relation rel, HeapTuple tuple, ClientRow *row, bool size_to_derive)
{
	const ClientColumns *cols = ColumnsOf(rel);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		isnull;
	bool		has_id;
	Datum		value;

	row->tuple = tuple;
	/* NOT NULL on id is checked after the BEFORE triggers: 0 until then */
	row->id = GetInt64Column(tuple, cols->id, tupdesc, &has_id);
	value = heap_getattr(tuple, cols->size, tupdesc, &isnull);
	if (isnull && !size_to_derive)
		RejectNull(rel, row->id, cols->size);
	row->has_size = !isnull;
	row->size = isnull ? CLIENT_SIZE_NONPROFILE : DatumGetClientSize(value);
	row->size_derived = false;
	row->size_set = row->refused_nonprofile = false;
	if (cols->size_derived > 0)
	{
		value = heap_getattr(tuple, cols->size_derived, tupdesc, &isnull);
		row->size_derived = !isnull && DatumGetBool(value);
	}
	row->category_id = GetInt64Column(tuple, cols->category_id, tupdesc,
									  &row->has_category);
	value = heap_getattr(tuple, cols->state, tupdesc, &isnull);
	if (isnull)
		RejectNull(rel, row->id, cols->state);
	row->state = DatumGetClientState(value);
	row->manager_id = GetInt64Column(tuple, cols->manager_id, tupdesc,
									 &row->has_manager);
	value = heap_getattr(tuple, cols->refusal_reason, tupdesc, &isnull);
	row->refusal_reason = isnull ? NULL : TextDatumGetCString(value);
	row->state_since = GetInt64Column(tuple, cols->state_since, tupdesc,
									  &row->has_state_since);
	row->work_started_at = GetInt64Column(tuple, cols->work_started_at, tupdesc,
										  &row->has_work_started);
	row->deadline_at = GetInt64Column(tuple, cols->deadline_at, tupdesc,
									  &row->has_deadline);
	row->has_funnel_steps = false;
	row->funnel_steps = 0;
	if (cols->funnel_steps > 0)
	{
		value = heap_getattr(tuple, cols->funnel_steps, tupdesc, &isnull);
		row->has_funnel_steps = !isnull;
		row->funnel_steps = isnull ? 0 : DatumGetInt16(value);
	}
}

static char *
ClientName(Relation rel, const ClientRow *row)
{
	char	   *name = SPI_getvalue(row->tuple, RelationGetDescr(rel),
									ColumnsOf(rel)->name);

	return name ? name : pstrdup("");
}

/* In a worklist: a worklist state, and a manager working it. */
static bool
InWorklist(const ClientRow *row)
{
	return ClientStateInWorklist(row->state) && row->has_manager;
}

static bool
SameReason(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* R1, R2: the move is not in salesalgo.transition_rule. */
static void
RejectMove(Relation rel, const ClientRow *old, const ClientRow *new,
		   const SalesRules *rules)
{
	char	   *moves = DescribeMoves(rules, old == NULL, old ? old->state : 0);

	if (old == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("client " INT64_FORMAT " cannot be created in state %s",
						new->id, ClientStateName(new->state)),
				 moves == NULL ?
				 errdetail("No rule lets a client be created at all.") :
				 errdetail("A client may be created in %s.", moves),
				 errhint("Create the client in one of those states and move it from there, or add a rule with from_state NULL to salesalgo.transition_rule."),
				 errtableconstraint(rel, "client_state_transition")));
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("client " INT64_FORMAT " cannot move from %s to %s",
					new->id, ClientStateName(old->state),
					ClientStateName(new->state)),
			 moves == NULL ?
			 errdetail("Client " INT64_FORMAT " \"%s\" is in %s, which no move leaves.",
					   new->id, ClientName(rel, new), ClientStateName(old->state)) :
			 errdetail("Client " INT64_FORMAT " \"%s\" is in %s; from %s a client may move to %s.",
					   new->id, ClientName(rel, new), ClientStateName(old->state),
					   ClientStateName(old->state), moves),
			 errhint("Move the client along a legal path, or add the move to salesalgo.transition_rule."),
			 errtableconstraint(rel, "client_state_transition")));
}

/* R4: a hard refusal is final. */
static void
RejectAfterHardRefusal(Relation rel, const ClientRow *old, const ClientRow *new)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("client " INT64_FORMAT " was refused for a hard reason and cannot change state",
					new->id),
			 new->state != old->state ?
			 errdetail("Client " INT64_FORMAT " \"%s\" was refused for reason \"%s\", which is hard; it was to move to %s.",
					   new->id, ClientName(rel, new), old->refusal_reason,
					   ClientStateName(new->state)) :
			 errdetail("Client " INT64_FORMAT " \"%s\" was refused for reason \"%s\", which is hard; its reason was to change to \"%s\".",
					   new->id, ClientName(rel, new), old->refusal_reason,
					   new->refusal_reason ? new->refusal_reason : "NULL"),
			 errhint("A hard refusal is final. If the reason should allow further work, make it soft in salesalgo.refusal_reason."),
			 errtableconstraint(rel, "client_state_transition")));
}

/* R3: a refusal has a reason. */
static void
RejectMissingReason(Relation rel, const ClientRow *new)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("client " INT64_FORMAT " cannot be in refusal without a refusal reason",
					new->id),
			 errdetail("Client " INT64_FORMAT " \"%s\" has refusal_reason NULL.",
					   new->id, ClientName(rel, new)),
			 errhint("Set refusal_reason to a code of salesalgo.refusal_reason, such as no_money or nonprofile."),
			 errtablecol(rel, ColumnsOf(rel)->refusal_reason)));
}

/* R5: a nonprofile client is not worked. */
static void
RejectNonprofile(Relation rel, const ClientRow *new)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("client " INT64_FORMAT " is nonprofile and cannot enter a worklist",
					new->id),
			 errdetail("Client " INT64_FORMAT " \"%s\" was to be in %s with manager " INT64_FORMAT ".",
					   new->id, ClientName(rel, new), ClientStateName(new->state),
					   new->manager_id),
			 errhint("Refuse the client with reason nonprofile, or correct its size."),
			 errtableconstraint(rel, "client_size_profile")));
}

/* R8: the statement set a column that salesalgo keeps. */
static void
RejectKeptColumn(Relation rel, const ClientRow *new, int attnum)
{
	const char *column = SPI_fname(RelationGetDescr(rel), attnum);

	ereport(ERROR,
			(errcode(ERRCODE_GENERATED_ALWAYS),
			 errmsg("column \"%s\" of salesalgo.client is kept by salesalgo", column),
			 errdetail("The statement set %s of client " INT64_FORMAT " \"%s\".",
					   column, new->id, ClientName(rel, new)),
			 attnum == ColumnsOf(rel)->deadline_at ?
			 errhint("Leave deadline_at out of the statement; salesalgo.extend_deadline(client_id, new_deadline, reason) moves a deadline.") :
			 attnum == ColumnsOf(rel)->size_derived ?
			 errhint("Leave size_derived out of the statement; set size to NULL to have the size rules give it, or to a size to give it yourself.") :
			 errhint("Leave %s out of the statement; salesalgo sets it when the client moves.", column),
			 errtablecol(rel, attnum)));
}

static bool
DeadlineChangeSanctioned(const SalesStatement *stmt, int64 client_id)
{
	return stmt->own.deadline_sanctioned && stmt->own.deadline_client == client_id;
}

static void
CheckKeptColumns(const SalesStatement *stmt, Relation rel, const ClientRow *old,
				 const ClientRow *new)
{
	const ClientColumns *cols = ColumnsOf(rel);

	if (old == NULL)
	{
		if (new->has_state_since)
			RejectKeptColumn(rel, new, cols->state_since);
		if (new->has_work_started)
			RejectKeptColumn(rel, new, cols->work_started_at);
		if (new->has_deadline)
			RejectKeptColumn(rel, new, cols->deadline_at);
		if (new->size_derived)
			RejectKeptColumn(rel, new, cols->size_derived);
		if (new->has_funnel_steps)
			RejectKeptColumn(rel, new, cols->funnel_steps);
		return;
	}
	if (new->id != old->id)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("column \"id\" of salesalgo.client cannot change"),
				 errdetail("Client " INT64_FORMAT " was to become client " INT64_FORMAT ".",
						   old->id, new->id),
				 errhint("The history of a client is kept under its id."),
				 errtablecol(rel, cols->id)));
	if (new->has_state_since != old->has_state_since ||
		(new->has_state_since && new->state_since != old->state_since))
		RejectKeptColumn(rel, new, cols->state_since);
	if (new->has_work_started != old->has_work_started ||
		(new->has_work_started && new->work_started_at != old->work_started_at))
		RejectKeptColumn(rel, new, cols->work_started_at);
	if ((new->has_deadline != old->has_deadline ||
		 (new->has_deadline && new->deadline_at != old->deadline_at)) &&
		!DeadlineChangeSanctioned(stmt, new->id))
		RejectKeptColumn(rel, new, cols->deadline_at);
	if (new->size_derived != old->size_derived)
		RejectKeptColumn(rel, new, cols->size_derived);
	if (new->has_funnel_steps != old->has_funnel_steps ||
		new->funnel_steps != old->funnel_steps)
		RejectKeptColumn(rel, new, cols->funnel_steps);
}

/*
 * R1 to R5 for a row as written: a creation (old NULL) is judged only once
 * it has really been inserted, by client_log; a move by client_rules.
 */
static void
CheckRules(const SalesRules *rules, Relation rel, const ClientRow *old,
		   const ClientRow *new)
{
	bool		state_changed = (old == NULL || new->state != old->state);

	if (old != NULL && old->state == CLIENT_STATE_REFUSAL &&
		old->refusal_reason != NULL &&
		RefusalReasonIsHard(rules, old->refusal_reason) &&
		(state_changed || !SameReason(old->refusal_reason, new->refusal_reason)))
		RejectAfterHardRefusal(rel, old, new);

	if (old == NULL ? !rules->may_create[new->state] :
		(state_changed && !rules->may_move[old->state][new->state]))
		RejectMove(rel, old, new, rules);

	if (new->state == CLIENT_STATE_REFUSAL && new->refusal_reason == NULL)
		RejectMissingReason(rel, new);

	if (new->size == CLIENT_SIZE_NONPROFILE && InWorklist(new) &&
		(old == NULL || !InWorklist(old) || old->size != new->size ||
		 old->manager_id != new->manager_id))
		RejectNonprofile(rel, new);
}

/* No size given, and the size rules give none. */
static void
RejectNoSize(Relation rel, const ClientRow *new)
{
	int			attnum = ColumnsOf(rel)->size;

	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("null value in column \"size\" of relation \"%s\" violates not-null constraint",
					RelationGetRelationName(rel)),
			 new->has_category ?
			 errdetail("Client " INT64_FORMAT " \"%s\" of category " INT64_FORMAT " was given no size, and no size rule matches its attributes.",
					   new->id, ClientName(rel, new), new->category_id) :
			 errdetail("Client " INT64_FORMAT " \"%s\" was given no size, and no size rule matches its attributes.",
					   new->id, ClientName(rel, new)),
			 errhint("Give the client a size, or add a rule that matches it to salesalgo.size_rule; salesalgo.classify(attributes, category_id) shows what the rules give."),
			 errtablecol(rel, attnum)));
}

/*
 * Did an UPDATE change what the size rules judge a client by?  A size that
 * the statement leaves as it was cannot be told from one it sets to the
 * same value: either way the rules give it again.
 */
static bool
ClassifiedOnChanged(Relation rel, const ClientRow *old, const ClientRow *new)
{
	int			attnum = ColumnsOf(rel)->attributes;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		old_null;
	bool		new_null;
	Datum		old_value;
	Datum		new_value;

	if (old->has_category != new->has_category ||
		(new->has_category && old->category_id != new->category_id))
		return true;
	old_value = heap_getattr(old->tuple, attnum, tupdesc, &old_null);
	new_value = heap_getattr(new->tuple, attnum, tupdesc, &new_null);
	if (old_null || new_null)
		return old_null != new_null;
	return !DatumGetBool(DirectFunctionCall2(jsonb_eq, old_value, new_value));
}

/*
 * A size given by hand is kept, and is the department's judgement from then
 * on; no size (an INSERT without one, or an UPDATE that sets it to NULL) is
 * the size rules' to give, and so is a derived size whose attributes or
 * category an UPDATE changes: a derived size says what the rules make of
 * the client's own attributes and category (a change of the rules waits
 * for reclassify()).  reclassify() re-derives a size this way,
 * and a client it makes nonprofile while in a worklist leaves it, refused
 * for reason nonprofile, through the same checks as any move (R2, R4, R5);
 * any other UPDATE that would leave a nonprofile client in a worklist is
 * R5's refusal.
 */
static void
DeriveSize(SalesStatement *stmt, Relation rel, const ClientRow *old,
		   ClientRow *new)
{
	const ClientColumns *cols = ColumnsOf(rel);
	const SalesRules *rules;
	bool		isnull;
	Datum		value;
	Jsonb	   *attributes = NULL;

	if (new->has_size)
	{
		if (old == NULL || !new->size_derived)
			return;
		if (new->size != old->size)
		{
			new->size_derived = false;
			new->size_set = true;
			return;
		}
		if (!ClassifiedOnChanged(rel, old, new))
			return;
	}
	rules = StatementRules(stmt);
	value = heap_getattr(new->tuple, cols->attributes, RelationGetDescr(rel), &isnull);
	if (!isnull)
		attributes = DatumGetJsonbP(value);
	if (!ClassifySize(rules, attributes, new->has_category, new->category_id,
					  &new->size))
	{
		/* before 1.2 there are no size rules to ask */
		if (rules->sizes == NULL)
			RejectNull(rel, new->id, cols->size);
		RejectNoSize(rel, new);
	}
	new->has_size = true;
	new->size_set = true;
	new->size_derived = (cols->size_derived > 0);
	if (old != NULL && new->size == CLIENT_SIZE_NONPROFILE && InWorklist(new) &&
		strcmp(stmt->own.source, "reclassify") == 0)
	{
		new->state = CLIENT_STATE_REFUSAL;
		new->refusal_reason = pstrdup("nonprofile");
		new->refused_nonprofile = true;
	}
}

/*
 * The funnel's bit of a state on the main path, new to client (as the
 * funnel view numbers them, step 1 to 7); 0 off the path.
 */
static int16
FunnelBit(ClientState state)
{
	return state <= CLIENT_STATE_CLIENT ? (int16) (1 << (state + 1)) : 0;
}

/*
 * R7: the clock starts when a client in a worklist state first has a
 * manager, runs while the state stays a worklist state whoever the manager
 * is, and stops when the state leaves the worklist states.  Also sets
 * state_since and the main-path states the client ever entered (unknown
 * stays unknown: check() names such a client), and clears a refusal reason
 * the client has left behind.
 */
static HeapTuple
SetKeptColumns(SalesStatement *stmt, Relation rel, const ClientRow *old,
			   ClientRow *new)
{
	const ClientColumns *cols = ColumnsOf(rel);
	int			attnums[9] = {cols->state_since, cols->work_started_at,
	cols->deadline_at};
	Datum		values[9];
	bool		nulls[9] = {false};
	int			ncolumns = 3;
	TimestampTz now = stmt->now;
	bool		clock_ran = (old != NULL && ClientStateInWorklist(old->state) &&
							 old->has_deadline);

	values[0] = TimestampTzGetDatum((old == NULL || old->state != new->state) ?
									now : old->state_since);

	if (!ClientStateInWorklist(new->state))
	{
		new->has_work_started = new->has_deadline = false;
	}
	else if (clock_ran)
	{
		/* extend_deadline() may have moved the deadline; nothing else has */
		new->has_work_started = old->has_work_started;
		new->work_started_at = old->work_started_at;
		new->has_deadline = true;
	}
	else if (new->has_manager)
	{
		int			days = DeadlineDays(StatementRules(stmt), new->size,
										new->has_category, new->category_id);

		new->has_work_started = true;
		new->work_started_at = now;
		new->has_deadline = (days > 0);
		new->deadline_at = AddDays(now, days);
	}
	else
		new->has_work_started = new->has_deadline = false;

	values[1] = TimestampTzGetDatum(new->work_started_at);
	nulls[1] = !new->has_work_started;
	values[2] = TimestampTzGetDatum(new->deadline_at);
	nulls[2] = !new->has_deadline;

	/*
	 * A refusal reason belongs to refusal and the recall pool; back in work,
	 * the client's next refusal needs a reason of its own.  The history
	 * keeps the old one.
	 */
	if (new->refusal_reason != NULL &&
		new->state != CLIENT_STATE_REFUSAL && new->state != CLIENT_STATE_RECALL)
	{
		new->refusal_reason = NULL;
		attnums[ncolumns] = cols->refusal_reason;
		nulls[ncolumns++] = true;
	}
	if (new->refused_nonprofile)
	{
		attnums[ncolumns] = cols->state;
		values[ncolumns++] = ClientStateGetDatum(new->state);
		attnums[ncolumns] = cols->refusal_reason;
		values[ncolumns++] = CStringGetTextDatum(new->refusal_reason);
	}
	if (cols->funnel_steps > 0)
	{
		new->has_funnel_steps = (old == NULL || old->has_funnel_steps);
		new->funnel_steps = old == NULL ? FunnelBit(new->state) :
			old->state != new->state ?
			old->funnel_steps | FunnelBit(new->state) : old->funnel_steps;
		attnums[ncolumns] = cols->funnel_steps;
		values[ncolumns] = Int16GetDatum(new->funnel_steps);
		nulls[ncolumns++] = !new->has_funnel_steps;
	}
	if (new->size_set)
	{
		attnums[ncolumns] = cols->size;
		values[ncolumns++] = CharGetDatum((char) new->size);
		if (cols->size_derived > 0)
		{
			attnums[ncolumns] = cols->size_derived;
			values[ncolumns++] = BoolGetDatum(new->size_derived);
		}
	}
	return heap_modify_tuple_by_cols(new->tuple, RelationGetDescr(rel),
									 ncolumns, attnums, values, nulls);
}

PG_FUNCTION_INFO_V1(client_rules);
Datum
client_rules(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = OwnTriggerCallOf(fcinfo, "client_rules", "client");
	Relation	rel = trigdata->tg_relation;
	SalesStatement *stmt;
	ClientRow	old;
	ClientRow	new;
	ClientRow  *oldp = NULL;

	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"client_rules\" must be fired BEFORE for each row")));

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		/* a restored row is the department as it was */
		if (RestoringDump())
			return PointerGetDatum(trigdata->tg_trigtuple);
		stmt = CurrentStatement();
		ReadClient(rel, trigdata->tg_trigtuple, &new, true);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		stmt = CurrentStatement();
		ReadClient(rel, trigdata->tg_trigtuple, &old, false);
		ReadClient(rel, trigdata->tg_newtuple, &new, true);
		oldp = &old;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"client_rules\" must be fired for INSERT or UPDATE")));

	CheckKeptColumns(stmt, rel, oldp, &new);
	DeriveSize(stmt, rel, oldp, &new);
	if (oldp != NULL)
		CheckRules(StatementRules(stmt), rel, oldp, &new);
	return PointerGetDatum(SetKeptColumns(stmt, rel, oldp, &new));
}

static void
SideOf(const ClientRow *row, ClientSide *side)
{
	memset(side, 0, sizeof(ClientSide));
	side->exists = (row != NULL);
	if (row == NULL)
		return;
	side->state = row->state;
	side->size = row->size;
	side->size_derived = row->size_derived;
	side->has_category = row->has_category;
	side->category_id = row->category_id;
	side->has_manager = row->has_manager;
	side->manager_id = row->manager_id;
	side->refusal_reason = row->refusal_reason;
	side->has_deadline = row->has_deadline;
	side->deadline_at = row->deadline_at;
	side->has_state_since = row->has_state_since;
	side->state_since = row->state_since;
	side->has_funnel_steps = row->has_funnel_steps;
	side->funnel_steps = row->funnel_steps;
}

/* A change that is history: of state, manager, deadline or refusal reason. */
static bool
ChangeIsHistory(const ClientRow *old, const ClientRow *new)
{
	return old == NULL || new == NULL ||
		old->state != new->state ||
		old->size != new->size || old->size_derived != new->size_derived ||
		old->has_manager != new->has_manager ||
		(old->has_manager && old->manager_id != new->manager_id) ||
		old->has_deadline != new->has_deadline ||
		(old->has_deadline && old->deadline_at != new->deadline_at) ||
		!SameReason(old->refusal_reason, new->refusal_reason);
}

/* Reads the next row of a transition table into row; false at its end. */
static bool
NextTransitionRow(Relation rel, Tuplestorestate *table, TupleTableSlot *slot,
				  ClientRow *row)
{
	bool		should_free;

	if (table == NULL || !tuplestore_gettupleslot(table, true, false, slot))
		return false;
	/* the copy, if one is made, goes with the row's memory */
	ReadClient(rel, ExecFetchSlotHeapTuple(slot, false, &should_free), row, false);
	return true;
}

static void
StartReading(Tuplestorestate *table)
{
	if (table == NULL)
		return;
	/* a read pointer of our own, as a scan of the transition table takes */
	tuplestore_select_read_pointer(table,
								   tuplestore_alloc_read_pointer(table, EXEC_FLAG_REWIND));
	tuplestore_rescan(table);
}

/*
 * AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT on salesalgo.client,
 * with the statement's rows in transition tables: the worklist counts (R6)
 * and the history rows (R9) of the whole statement, at once.
 */
PG_FUNCTION_INFO_V1(client_log);
Datum
client_log(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = OwnTriggerCallOf(fcinfo, "client_log", "client");
	SalesStatement *stmt;
	const SalesRules *rules;
	Relation	rel;
	Tuplestorestate *old_table;
	Tuplestorestate *new_table;
	TupleTableSlot *old_slot;
	TupleTableSlot *new_slot;
	MemoryContext statement_context = CurrentMemoryContext;
	MemoryContext row_context;
	WorklistChanges *changes;
	HistoryBatch *batch;
	bool		notify;

	if (!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"client_log\" must be fired AFTER for each statement")));
	rel = trigdata->tg_relation;
	old_table = trigdata->tg_oldtable;
	new_table = trigdata->tg_newtable;
	if ((TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) && new_table == NULL) ||
		(TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && (old_table == NULL || new_table == NULL)) ||
		(TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) && old_table == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"client_log\" needs the statement's transition tables")));

	/* restored rows were history already */
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) && RestoringDump())
		return PointerGetDatum(NULL);

	stmt = CurrentStatement();
	rules = StatementRules(stmt);
	StartReading(old_table);
	StartReading(new_table);
	old_slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	new_slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
	row_context = AllocSetContextCreate(CurrentMemoryContext, "salesalgo client row",
										ALLOCSET_SMALL_SIZES);
	changes = BeginWorklistChanges();
	batch = BeginHistory(rel, stmt);
	notify = rules->notify_events;

	for (;;)
	{
		ClientRow	old;
		ClientRow	new;
		bool		has_old;
		bool		has_new;
		ClientSide	before;
		ClientSide	after;

		/* a tuple read from a spilled tuplestore lives in row memory */
		ExecClearTuple(old_slot);
		ExecClearTuple(new_slot);
		MemoryContextReset(row_context);
		MemoryContextSwitchTo(row_context);
		has_old = NextTransitionRow(rel, old_table, old_slot, &old);
		has_new = NextTransitionRow(rel, new_table, new_slot, &new);
		if (!has_old && !has_new)
			break;
		/* an update's old and new rows come in the same order */
		if ((old_table && new_table && has_old != has_new) ||
			(has_old && has_new && old.id != new.id))
			elog(ERROR, "the transition tables of salesalgo.client do not pair up");
		if (has_old && has_new && !ChangeIsHistory(&old, &new))
			continue;
		/* a row inserted, not an upsert that became an update */
		if (has_new && !has_old)
			CheckRules(rules, rel, NULL, &new);

		if (has_old && InWorklist(&old) &&
			!(has_new && InWorklist(&new) && new.manager_id == old.manager_id))
			CountLeaving(changes, old.manager_id);
		if (has_new && InWorklist(&new) &&
			!(has_old && InWorklist(&old) && new.manager_id == old.manager_id))
		{
			MemoryContextSwitchTo(statement_context);
			CountEntering(changes, new.manager_id, new.id);
			MemoryContextSwitchTo(row_context);
		}
		SideOf(has_old ? &old : NULL, &before);
		SideOf(has_new ? &new : NULL, &after);
		AddHistory(batch, has_new ? new.id : old.id, &before, &after);
	}
	MemoryContextSwitchTo(statement_context);
	ExecDropSingleTupleTableSlot(old_slot);
	ExecDropSingleTupleTableSlot(new_slot);

	MemoryContextDelete(row_context);
	/* an update of names and notes only has nothing to count or record */
	if (HistoryRows(batch) == 0)
		return PointerGetDatum(NULL);

	ApplyWorklistChanges(rel, changes);
	WriteHistory(batch);
	if (notify)
		RingAtCommit();
	return PointerGetDatum(NULL);
}

/*
 * BEFORE TRUNCATE on salesalgo.client: a deletion is history like any other,
 * and the worklists are empty afterwards.  Every client is read, in the
 * order of ids, through the primary key: the truncating user may see none
 * of them, and needs no privilege but TRUNCATE.
 */
PG_FUNCTION_INFO_V1(client_truncate);
Datum
client_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = OwnTriggerCallOf(fcinfo, "client_truncate", "client");
	Relation	rel = trigdata->tg_relation;
	Relation	key_index;
	HistoryWriter *writer;
	int64		removed = 0;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	MemoryContext row_context;
	MemoryContext oldcontext;

	if (!TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"client_truncate\" must be fired for TRUNCATE")));

	writer = BeginHistoryWriter(rel, CurrentStatement(), "truncate");
	key_index = index_open(RelationGetPrimaryKeyIndex(rel), AccessShareLock);
	slot = table_slot_create(rel, NULL);
	row_context = AllocSetContextCreate(CurrentMemoryContext, "salesalgo client row",
										ALLOCSET_SMALL_SIZES);
	/*
	 * TRUNCATE removes every row, also those committed after a REPEATABLE
	 * READ transaction's snapshot; its lock keeps every writer out, so the
	 * latest snapshot sees exactly the rows it removes.
	 */
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan = index_beginscan(rel, key_index, snapshot, 0, 0);
	index_rescan(scan, NULL, 0, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		ClientRow	row;
		ClientSide	before;
		ClientSide	after;
		bool		should_free;

		MemoryContextReset(row_context);
		oldcontext = MemoryContextSwitchTo(row_context);
		ReadClient(rel, ExecFetchSlotHeapTuple(slot, false, &should_free), &row, false);
		SideOf(&row, &before);
		SideOf(NULL, &after);
		WriteHistoryRow(writer, row.id, &before, &after, row.refusal_reason);
		removed++;
		MemoryContextSwitchTo(oldcontext);
	}
	index_endscan(scan);
	UnregisterSnapshot(snapshot);
	ExecDropSingleTupleTableSlot(slot);
	index_close(key_index, AccessShareLock);
	MemoryContextDelete(row_context);
	EndHistoryWriter(writer);

	EmptyWorklists(rel);
	/* an empty table leaves no history to read */
	if (removed > 0 && GetSalesRules()->notify_events)
		RingAtCommit();
	return PointerGetDatum(NULL);
}
