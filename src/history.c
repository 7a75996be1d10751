/*
 * history.c
 *	  Writes salesalgo.client_history, in the transaction of the change (R9).
 *
 * The rows of one statement go in with one INSERT over arrays, so that a
 * bulk statement on a hundred thousand clients costs one insert, not a
 * hundred thousand.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "history.h"
#include "internal_write.h"
#include "plans.h"
#include "statement.h"

/* the arrays of a batch, in the order of the INSERT's parameters */
enum
{
	H_CLIENT_ID,
	H_FROM_STATE,
	H_TO_STATE,
	H_FROM_MANAGER,
	H_TO_MANAGER,
	H_REFUSAL_REASON,
	H_DEADLINE_AT,
	H_ARRAYS
};

struct HistoryBatch
{
	Relation	client_rel;
	SalesStatement *stmt;		/* whose time and source the rows carry */
	Oid			state_type;
	Oid			element_types[H_ARRAYS];
	int16		element_lens[H_ARRAYS];
	bool		element_byvals[H_ARRAYS];
	ArrayBuildState *arrays[H_ARRAYS];
	int			rows;
	/* the first row as it is, for the one-row statements most are */
	Datum		first[H_ARRAYS];
	bool		first_null[H_ARRAYS];
	MemoryContext context;
};

static SPIPlanPtr insert_plan = NULL;
static SPIPlanPtr insert_one_plan = NULL;
static Oid	insert_plan_state_type = InvalidOid;

/*
 * The statements that the current one runs are made by "name" until
 * RestoreChangeSource(); not the statements that those run in turn.
 */
ChangeSource
SetChangeSource(const char *name, const char *note)
{
	StatementOrders *orders = PushOrders(CurrentStatement());
	ChangeSource given = {name, note};

	orders->source = name;
	orders->note = note;
	return given;
}

void
RestoreChangeSource(ChangeSource given)
{
	PopOrders(CurrentStatement(), NULL);
}

HistoryBatch *
BeginHistory(Relation client_rel, SalesStatement *stmt)
{
	HistoryBatch *batch = palloc0(sizeof(HistoryBatch));
	TupleDesc	tupdesc = RelationGetDescr(client_rel);

	batch->client_rel = client_rel;
	batch->stmt = stmt;
	batch->context = CurrentMemoryContext;
	batch->state_type = SPI_gettypeid(tupdesc, SPI_fnumber(tupdesc, "state"));
	batch->element_types[H_CLIENT_ID] = INT8OID;
	batch->element_types[H_FROM_STATE] = batch->state_type;
	batch->element_types[H_TO_STATE] = batch->state_type;
	batch->element_types[H_FROM_MANAGER] = INT8OID;
	batch->element_types[H_TO_MANAGER] = INT8OID;
	batch->element_types[H_REFUSAL_REASON] = TEXTOID;
	batch->element_types[H_DEADLINE_AT] = TIMESTAMPTZOID;
	for (int i = 0; i < H_ARRAYS; i++)
	{
		get_typlenbyval(batch->element_types[i], &batch->element_lens[i],
						&batch->element_byvals[i]);
		batch->arrays[i] = initArrayResult(batch->element_types[i],
										   CurrentMemoryContext, false);
	}
	return batch;
}

static void
Add(HistoryBatch *batch, int array, Datum value, bool isnull)
{
	if (batch->rows == 0)
	{
		/*
		 * The caller's memory may go with its row: keep a copy of whatever
		 * is passed by reference (int8 and timestamptz too, where Datum is 4
		 * bytes).
		 */
		MemoryContext oldcontext = MemoryContextSwitchTo(batch->context);

		batch->first[array] = isnull ? value :
			datumCopy(value, batch->element_byvals[array], batch->element_lens[array]);
		batch->first_null[array] = isnull;
		MemoryContextSwitchTo(oldcontext);
	}
	accumArrayResult(batch->arrays[array], value, isnull,
					 batch->element_types[array], CurrentMemoryContext);
}

void
AddHistory(HistoryBatch *batch, int64 client_id,
		   const ClientSide *before, const ClientSide *after)
{
	const ClientSide *now_side = after->exists ? after : before;

	Add(batch, H_CLIENT_ID, Int64GetDatum(client_id), false);
	Add(batch, H_FROM_STATE, ClientStateGetDatum(before->state), !before->exists);
	Add(batch, H_TO_STATE, ClientStateGetDatum(after->state), !after->exists);
	Add(batch, H_FROM_MANAGER, Int64GetDatum(before->manager_id),
		!(before->exists && before->has_manager));
	Add(batch, H_TO_MANAGER, Int64GetDatum(after->manager_id),
		!(after->exists && after->has_manager));
	Add(batch, H_REFUSAL_REASON,
		now_side->refusal_reason ? CStringGetTextDatum(now_side->refusal_reason) : (Datum) 0,
		now_side->refusal_reason == NULL);
	Add(batch, H_DEADLINE_AT, TimestampTzGetDatum(after->deadline_at),
		!(after->exists && after->has_deadline));
	batch->rows++;
}

/*
 * The plans name client_state by OID: a new extension is new plans.  One
 * inserts a row, the other a statement's rows from arrays.
 */
static SPIPlanPtr
InsertPlan(HistoryBatch *batch, bool one_row)
{
	Oid			argtypes[H_ARRAYS + 4];

	if (insert_plan != NULL && insert_plan_state_type != batch->state_type)
	{
		SPI_freeplan(insert_plan);
		SPI_freeplan(insert_one_plan);
		insert_plan = insert_one_plan = NULL;
	}
	if (insert_plan == NULL)
	{
		for (int i = 0; i < H_ARRAYS; i++)
			argtypes[i] = batch->element_types[i];
		argtypes[H_ARRAYS] = TIMESTAMPTZOID;
		argtypes[H_ARRAYS + 1] = NAMEOID;
		argtypes[H_ARRAYS + 2] = TEXTOID;
		argtypes[H_ARRAYS + 3] = TEXTOID;
		insert_one_plan = PrepareKept("INSERT INTO salesalgo.client_history"
								  " (client_id, from_state, to_state, from_manager,"
								  "  to_manager, refusal_reason, deadline_at,"
								  "  changed_at, changed_by, source, note)"
								  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
								  lengthof(argtypes), argtypes);
		for (int i = 0; i < H_ARRAYS; i++)
			argtypes[i] = get_array_type(batch->element_types[i]);
		insert_plan = PrepareKept("INSERT INTO salesalgo.client_history"
							  " (client_id, from_state, to_state, from_manager,"
							  "  to_manager, refusal_reason, deadline_at,"
							  "  changed_at, changed_by, source, note)"
							  " SELECT c, fs, ts, fm, tm, rr, dl, $8, $9, $10, $11"
							  " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
							  "  pg_catalog.unnest($3), pg_catalog.unnest($4),"
							  "  pg_catalog.unnest($5), pg_catalog.unnest($6),"
							  "  pg_catalog.unnest($7))"
							  " WITH ORDINALITY AS u(c, fs, ts, fm, tm, rr, dl, n)"
							  " ORDER BY n",
							  lengthof(argtypes), argtypes);
		insert_plan_state_type = batch->state_type;
	}
	return one_row ? insert_one_plan : insert_plan;
}

int
HistoryRows(const HistoryBatch *batch)
{
	return batch->rows;
}

void
WriteHistory(HistoryBatch *batch)
{
	Datum		values[H_ARRAYS + 4];
	char		nulls[H_ARRAYS + 4];
	Oid			saved_userid;
	int			saved_context;
	int			ret;

	if (batch->rows == 0)
		return;

	memset(nulls, ' ', sizeof(nulls));
	for (int i = 0; i < H_ARRAYS; i++)
	{
		if (batch->rows > 1)
			values[i] = makeArrayResult(batch->arrays[i], CurrentMemoryContext);
		else
		{
			values[i] = batch->first[i];
			nulls[i] = batch->first_null[i] ? 'n' : ' ';
		}
	}
	values[H_ARRAYS] = TimestampTzGetDatum(batch->stmt->now);
	values[H_ARRAYS + 1] = DirectFunctionCall1(namein,
											   CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[H_ARRAYS + 2] = CStringGetTextDatum(batch->stmt->own.source);
	if (batch->stmt->own.note != NULL)
		values[H_ARRAYS + 3] = CStringGetTextDatum(batch->stmt->own.note);
	else
		nulls[H_ARRAYS + 3] = 'n';

	BeginInternalWrite(batch->client_rel, &saved_userid, &saved_context);
	ret = SPI_execute_plan(InsertPlan(batch, batch->rows == 1), values, nulls, false, 0);
	EndInternalWrite(saved_userid, saved_context);
	if (ret != SPI_OK_INSERT || SPI_processed != (uint64) batch->rows)
		elog(ERROR, "could not write the history of %d clients: %s",
			 batch->rows, SPI_result_code_string(ret));
}
