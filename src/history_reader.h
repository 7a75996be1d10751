/*
 * history_reader.h
 *	  salesalgo.client_history read in C, without SPI or the executor: a
 *	  period's rows in time order, or one client's rows in id order, each
 *	  deformed into a compact HistoryRow.
 *
 * The API, for the reports and what-if:
 *
 *	reader = BeginHistoryPeriod(from, to, HISTORY_STATES | HISTORY_MANAGERS);
 *	while ((row = NextHistoryRow(reader)) != NULL)
 *		... row->changed_at, row->to_state ...
 *	EndHistoryRead(reader);
 *
 * - BeginHistoryPeriod: changed_at in [from, to) (to may be DT_NOEND), in
 *   changed_at order, the rows of one changed_at in id order.
 * - BeginClientHistory: one client's rows in id order; RestartClientHistory
 *   moves the same reader to another client.
 * - columns: the HISTORY_* bits of what the caller reads; id, client_id and
 *   changed_at are always there, the rest is left zero unless asked for.
 * - A row is valid until the next call on its reader; text comes back as
 *   small codes (HistoryReasonName, HistorySource), never as pointers.
 * - Begin* checks that the current user may SELECT client_history and
 *   refuses (42501) when row-level security applies to that user: nothing
 *   read here is filtered by the policies, so a caller the policies bind
 *   must not read it this way.
 * - Rows are those of the active snapshot.  Call within one query; End
 *   before the snapshot goes.
 */
#ifndef SALESALGO_HISTORY_READER_H
#define SALESALGO_HISTORY_READER_H

#include "datatype/timestamp.h"

#include "types.h"

/* columns a caller reads, beside id, client_id and changed_at */
#define HISTORY_STATES		0x01	/* from_state, to_state */
#define HISTORY_MANAGERS	0x02	/* from_manager, to_manager */
#define HISTORY_REASON		0x04	/* refusal_reason */
#define HISTORY_DEADLINE	0x08	/* deadline_at */
#define HISTORY_SOURCE		0x10	/* source */
#define HISTORY_SIZES		0x20	/* from_size, to_size (NULL before 1.2) */
#define HISTORY_CATEGORIES	0x40	/* from_category, to_category (idem) */

/* a state or size that is NULL: before a creation, after a deletion */
#define HISTORY_NONE		(-1)

/* what made the change, from the source column */
typedef enum HistorySource
{
	HISTORY_SOURCE_SQL,
	HISTORY_SOURCE_SALES_EXPIRE,
	HISTORY_SOURCE_SALES_RECALL,
	HISTORY_SOURCE_DISTRIBUTE_LEADS,
	HISTORY_SOURCE_EXTEND_DEADLINE,
	HISTORY_SOURCE_RECLASSIFY,
	HISTORY_SOURCE_TRUNCATE,
	HISTORY_SOURCE_OTHER		/* a name this library does not write */
} HistorySource;

typedef struct HistoryRow
{
	int64		id;
	int64		client_id;
	TimestampTz changed_at;
	int8		from_state;		/* ClientState, or HISTORY_NONE */
	int8		to_state;
	int8		from_size;		/* ClientSize, or HISTORY_NONE */
	int8		to_size;
	bool		has_from_manager;
	bool		has_to_manager;
	bool		has_deadline;
	uint8		source;			/* HistorySource */
	int16		refusal_reason; /* HistoryReasonName's code, or HISTORY_NONE */
	int64		from_manager;	/* 0 unless has_from_manager */
	int64		to_manager;		/* 0 unless has_to_manager */
	TimestampTz deadline_at;	/* 0 unless has_deadline */
	bool		has_from_category;
	bool		has_to_category;
	int64		from_category;	/* 0 unless has_from_category */
	int64		to_category;	/* 0 unless has_to_category */
} HistoryRow;

typedef struct HistoryReader HistoryReader;

extern HistoryReader *BeginHistoryPeriod(TimestampTz from, TimestampTz to,
										 int columns);
extern HistoryReader *BeginClientHistory(int64 client_id, int columns);
extern void RestartClientHistory(HistoryReader *reader, int64 client_id);
extern const HistoryRow *NextHistoryRow(HistoryReader *reader);
extern void EndHistoryRead(HistoryReader *reader);

/* a refusal_reason code's text, as stored; codes are per reader */
extern const char *HistoryReasonName(const HistoryReader *reader, int16 code);

/* true when a row is an entry into to_manager's worklist */
static inline bool
HistoryRowEntersWorklist(const HistoryRow *row)
{
	return row->has_to_manager && row->to_state != HISTORY_NONE &&
		ClientStateInWorklist((ClientState) row->to_state) &&
		!(row->has_from_manager && row->from_manager == row->to_manager &&
		  row->from_state != HISTORY_NONE &&
		  ClientStateInWorklist((ClientState) row->from_state));
}

#endif							/* SALESALGO_HISTORY_READER_H */
