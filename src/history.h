/*
 * history.h
 *	  salesalgo.client_history rows, and what made each change.
 */
#ifndef SALESALGO_HISTORY_H
#define SALESALGO_HISTORY_H

#include "datatype/timestamp.h"
#include "utils/rel.h"

#include "statement.h"
#include "types.h"

/* One side of a change: what the client was, or became. */
typedef struct ClientSide
{
	bool		exists;			/* false before a creation, after a deletion */
	ClientState state;
	ClientSize	size;
	bool		size_derived;	/* given by the size rules */
	bool		has_category;
	int64		category_id;
	bool		has_manager;
	int64		manager_id;
	const char *refusal_reason; /* NULL for none */
	bool		has_deadline;
	TimestampTz deadline_at;
	bool		has_state_since;
	TimestampTz state_since;
	bool		has_funnel_steps;	/* false before 1.2 */
	int16		funnel_steps;	/* the main-path states ever entered */
} ClientSide;

/*
 * What is making the changes now: "sql" for plain statements, or the
 * function that makes them, with a note such as the reason of a deadline
 * extension.
 */
typedef struct ChangeSource
{
	const char *name;
	const char *note;
} ChangeSource;

extern ChangeSource SetChangeSource(const char *name, const char *note);
extern void RestoreChangeSource(ChangeSource given);

/* The history rows of one statement, written together. */
typedef struct HistoryBatch HistoryBatch;

extern HistoryBatch *BeginHistory(Relation client_rel, SalesStatement *stmt);
extern void AddHistory(HistoryBatch *batch, int64 client_id,
					   const ClientSide *before, const ClientSide *after);
extern int	HistoryRows(const HistoryBatch *batch);
extern void WriteHistory(HistoryBatch *batch);

/* A statement's history rows written one by one, as they come. */
typedef struct HistoryWriter HistoryWriter;

/* source: NULL for stmt's own */
extern HistoryWriter *BeginHistoryWriter(Relation client_rel,
										 SalesStatement *stmt,
										 const char *source);
extern void WriteHistoryRow(HistoryWriter *writer, int64 client_id,
							const ClientSide *before, const ClientSide *after,
							const char *refusal_reason);
extern void EndHistoryWriter(HistoryWriter *writer);

#endif							/* SALESALGO_HISTORY_H */
