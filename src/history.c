/*
 * history.c
 *	  Writes salesalgo.client_history, in the transaction of the change (R9).
 *
 * The rows of one statement are collected as the statement's rows are read
 * and go in as one insert at its end, written by internal_write.c as the
 * user who made the change: a DBA's statement trigger on the history sees
 * them together in its transition table.  Each row carries what the
 * statement context (statement.c) says of the statement that made it: its
 * time, and its source (plain SQL, or the function of salesalgo that ran
 * it).
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "history.h"
#include "internal_write.h"
#include "statement.h"

/* The columns of salesalgo.client_history that salesalgo writes. */
enum
{
	H_ID,
	H_CLIENT_ID,
	H_FROM_STATE,
	H_TO_STATE,
	H_FROM_MANAGER,
	H_TO_MANAGER,
	H_REFUSAL_REASON,
	H_DEADLINE_AT,
	H_CHANGED_AT,
	H_CHANGED_BY,
	H_SOURCE,
	H_NOTE,
	/* from 1.2 on; a database not yet updated has none of them */
	H_FROM_SIZE,
	H_TO_SIZE,
	H_SIZE_DERIVED,
	H_FUNNEL_STEPS,
	H_STAY,
	H_FROM_CATEGORY,
	H_TO_CATEGORY,
	H_COLUMNS
};

#define H_REQUIRED	H_FROM_SIZE

static const char *const column_names[H_COLUMNS] = {
	"id", "client_id", "from_state", "to_state", "from_manager", "to_manager",
	"refusal_reason", "deadline_at", "changed_at", "changed_by", "source", "note",
	"from_size", "to_size", "size_derived", "funnel_steps", "stay",
	"from_category", "to_category"
};

/* One history row, kept by value until the statement's end. */
typedef struct HistoryRow
{
	int64		client_id;
	ClientSide	before;
	ClientSide	after;
	char	   *refusal_reason; /* NULL for none */
} HistoryRow;

struct HistoryBatch
{
	Relation	client_rel;
	SalesStatement *stmt;		/* whose time and source the rows carry */
	HistoryRow *rows;
	int			count;
	int			allocated;
	MemoryContext context;
};

/* A statement's insert into salesalgo.client_history. */
struct HistoryWriter
{
	Relation	rel;
	TimestampTz now;			/* changed_at of every row */
	Oid			sequence;
	int			attnums[H_COLUMNS];
	Datum	   *values;
	bool	   *isnull;
	SalesWrite *write;
	MemoryContext row_context;
};

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

	batch->client_rel = client_rel;
	batch->stmt = stmt;
	batch->context = CurrentMemoryContext;
	return batch;
}

void
AddHistory(HistoryBatch *batch, int64 client_id,
		   const ClientSide *before, const ClientSide *after)
{
	const ClientSide *now_side = after->exists ? after : before;
	HistoryRow *row;

	if (batch->count == batch->allocated)
	{
		batch->allocated = batch->allocated == 0 ? 8 : batch->allocated * 2;
		batch->rows = batch->rows == NULL ?
			MemoryContextAlloc(batch->context,
							   sizeof(HistoryRow) * batch->allocated) :
			repalloc_huge(batch->rows, sizeof(HistoryRow) * batch->allocated);
	}
	row = &batch->rows[batch->count++];
	row->client_id = client_id;
	row->before = *before;
	row->after = *after;
	/* the caller's memory may go with its row: keep a copy */
	row->refusal_reason = now_side->refusal_reason == NULL ? NULL :
		MemoryContextStrdup(batch->context, now_side->refusal_reason);
	row->before.refusal_reason = row->after.refusal_reason = NULL;
}

int
HistoryRows(const HistoryBatch *batch)
{
	return batch->count;
}

/* The attribute numbers of the columns, which a DBA's changes may move. */
static void
ColumnNumbers(Relation rel, int *attnums)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);

	for (int i = 0; i < H_COLUMNS; i++)
	{
		attnums[i] = SPI_fnumber(tupdesc, column_names[i]);
		if (attnums[i] <= 0 && i < H_REQUIRED)
			elog(ERROR, "salesalgo.client_history has no column \"%s\"",
				 column_names[i]);
		if (attnums[i] <= 0)
			attnums[i] = 0;
	}
}

static void
Set(Datum *values, bool *isnull, const int *attnums, int column,
	Datum value, bool null)
{
	if (attnums[column] == 0)
		return;
	values[attnums[column] - 1] = value;
	isnull[attnums[column] - 1] = null;
}

/*
 * Opens salesalgo.client_history (found next to client_rel) and starts a
 * statement's insert into it, with what is the same for every row: the
 * time of stmt, the statement that makes the change, and its source, unless
 * source names another.
 */
HistoryWriter *
BeginHistoryWriter(Relation client_rel, SalesStatement *stmt,
				   const char *source)
{
	HistoryWriter *writer = palloc0(sizeof(HistoryWriter));
	Oid			namespace = RelationGetNamespace(client_rel);
	Oid			relid = get_relname_relid("client_history", namespace);
	Bitmapset  *columns = NULL;
	int			natts;

	if (!OidIsValid(relid))
		elog(ERROR, "salesalgo.client_history does not exist");
	writer->sequence = get_relname_relid("client_history_id_seq", namespace);
	if (!OidIsValid(writer->sequence))
		elog(ERROR, "salesalgo.client_history_id_seq does not exist");
	writer->rel = table_open(relid, RowExclusiveLock);
	writer->now = stmt->now;
	ColumnNumbers(writer->rel, writer->attnums);
	for (int i = 0; i < H_COLUMNS; i++)
		if (writer->attnums[i] > 0)
			columns = bms_add_member(columns, writer->attnums[i]);
	natts = RelationGetDescr(writer->rel)->natts;
	writer->values = palloc0(sizeof(Datum) * natts);
	writer->isnull = palloc(sizeof(bool) * natts);
	memset(writer->isnull, true, sizeof(bool) * natts);

	Set(writer->values, writer->isnull, writer->attnums, H_CHANGED_AT,
		TimestampTzGetDatum(stmt->now), false);
	Set(writer->values, writer->isnull, writer->attnums, H_CHANGED_BY,
		DirectFunctionCall1(namein,
							CStringGetDatum(GetUserNameFromId(GetUserId(), false))),
		false);
	Set(writer->values, writer->isnull, writer->attnums, H_SOURCE,
		CStringGetTextDatum(source ? source : stmt->own.source), false);
	Set(writer->values, writer->isnull, writer->attnums, H_NOTE,
		stmt->own.note && !source ?
		CStringGetTextDatum(stmt->own.note) : (Datum) 0,
		stmt->own.note == NULL || source != NULL);
	writer->row_context = AllocSetContextCreate(CurrentMemoryContext,
												"salesalgo history row",
												ALLOCSET_SMALL_SIZES);
	writer->write = BeginSalesWrite(writer->rel, CMD_INSERT, columns);
	return writer;
}

/*
 * What the funnel and stage_time read instead of the whole history: a
 * deletion keeps the set of main-path states the client ever entered (the
 * funnel still counts it), and a change of state or a deletion keeps how
 * long the client was in the state it leaves, from entering it (its
 * state_since, stamped with the time of the history row that entered it)
 * to now.  NULL otherwise, and when the client row does not know.
 */
static void
SetKeptByHistory(HistoryWriter *writer, const ClientSide *before,
				 const ClientSide *after)
{
	bool		leaves = before->exists &&
		(!after->exists || before->state != after->state);

	Set(writer->values, writer->isnull, writer->attnums, H_FUNNEL_STEPS,
		Int16GetDatum(before->funnel_steps),
		!(before->exists && !after->exists && before->has_funnel_steps));
	Set(writer->values, writer->isnull, writer->attnums, H_STAY,
		leaves && before->has_state_since ?
		DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(writer->now),
							TimestampTzGetDatum(before->state_since)) : (Datum) 0,
		!(leaves && before->has_state_since));
}

/* Writes one row: a side that does not exist is NULL. */
void
WriteHistoryRow(HistoryWriter *writer, int64 client_id,
				const ClientSide *before, const ClientSide *after,
				const char *refusal_reason)
{
	Datum	   *values = writer->values;
	bool	   *isnull = writer->isnull;
	const int  *attnums = writer->attnums;
	MemoryContext oldcontext;

	MemoryContextReset(writer->row_context);
	oldcontext = MemoryContextSwitchTo(writer->row_context);
	Set(values, isnull, attnums, H_ID,
		Int64GetDatum(nextval_internal(writer->sequence, false)), false);
	Set(values, isnull, attnums, H_CLIENT_ID, Int64GetDatum(client_id), false);
	Set(values, isnull, attnums, H_FROM_STATE,
		ClientStateGetDatum(before->state), !before->exists);
	Set(values, isnull, attnums, H_TO_STATE,
		ClientStateGetDatum(after->state), !after->exists);
	Set(values, isnull, attnums, H_FROM_MANAGER, Int64GetDatum(before->manager_id),
		!(before->exists && before->has_manager));
	Set(values, isnull, attnums, H_TO_MANAGER, Int64GetDatum(after->manager_id),
		!(after->exists && after->has_manager));
	Set(values, isnull, attnums, H_REFUSAL_REASON,
		refusal_reason ? CStringGetTextDatum(refusal_reason) : (Datum) 0,
		refusal_reason == NULL);
	Set(values, isnull, attnums, H_DEADLINE_AT,
		TimestampTzGetDatum(after->deadline_at),
		!(after->exists && after->has_deadline));
	Set(values, isnull, attnums, H_FROM_SIZE,
		CharGetDatum((char) before->size), !before->exists);
	Set(values, isnull, attnums, H_TO_SIZE,
		CharGetDatum((char) after->size), !after->exists);
	Set(values, isnull, attnums, H_SIZE_DERIVED,
		BoolGetDatum(after->size_derived), !after->exists);
	Set(values, isnull, attnums, H_FROM_CATEGORY, Int64GetDatum(before->category_id),
		!(before->exists && before->has_category));
	Set(values, isnull, attnums, H_TO_CATEGORY, Int64GetDatum(after->category_id),
		!(after->exists && after->has_category));
	SetKeptByHistory(writer, before, after);
	if (!SalesInsert(writer->write, values, isnull))
		elog(ERROR, "a trigger on salesalgo.client_history skipped the history of client " INT64_FORMAT,
			 client_id);
	MemoryContextSwitchTo(oldcontext);
}

void
EndHistoryWriter(HistoryWriter *writer)
{
	EndSalesWrite(writer->write);
	MemoryContextDelete(writer->row_context);
	table_close(writer->rel, NoLock);
}

void
WriteHistory(HistoryBatch *batch)
{
	HistoryWriter *writer;

	if (batch->count == 0)
		return;
	writer = BeginHistoryWriter(batch->client_rel, batch->stmt, NULL);
	for (int i = 0; i < batch->count; i++)
	{
		const HistoryRow *row = &batch->rows[i];

		WriteHistoryRow(writer, row->client_id, &row->before, &row->after,
						row->refusal_reason);
	}
	EndHistoryWriter(writer);
}
