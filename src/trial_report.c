/*
 * trial_report.c
 *	  The one pass of trial_report() and trial_series() over the history:
 *	  trial_report_pass() reads the history from the period's start to now
 *	  once, in time order (history_reader.c), and returns the facts the two
 *	  SQL functions assemble into rows, a few thousand whatever the history:
 *
 *	  - moves: per bucket, manager (and total), state entered and refusal
 *		reason: rows, moves, deals, a person's refusals, expiries, recalls;
 *	  - taken: per bucket and manager (and total), clients taken into work,
 *		each once;
 *	  - load: per sample and manager, by how much the manager's worklist
 *		changed from the previous sample (from every change after the
 *		first sample to now, so that the opening load is in_work now less
 *		what changed since);
 *	  - deal: per deal of the period, its time and the time of the client's
 *		last entry into a worklist before it (NULL: none), from which SQL
 *		takes the median as it always has, so that the arithmetic is
 *		PostgreSQL's own.
 *
 * A deal's last entry is the latest entry the pass saw for that client, as
 * long as the history's ids grow with its times (they do unless the
 * simulated clock went back): otherwise, and for a client with no entry
 * since the period's start, it comes from the client's own history by the
 * client_id index, as the straightforward SQL defines it (the latest
 * entry with a smaller id).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "history_reader.h"

PG_FUNCTION_INFO_V1(trial_report_pass);

/* the columns of trial_report_pass() */
enum
{
	COL_KIND,
	COL_BUCKET,
	COL_MANAGER,
	COL_TOTAL,
	COL_TO_STATE,
	COL_REASON,
	COL_MOVED,
	COL_DEALS,
	COL_REFUSED,
	COL_EXPIRED,
	COL_RECALLED,
	COL_N,
	COL_DEAL_AT,
	COL_STARTED_AT,
	NCOLS
};

typedef struct MovesKey
{
	int32		bucket;
	int16		to_state;		/* HISTORY_NONE: a deletion */
	int16		reason;			/* HISTORY_NONE: none */
	bool		total;
	bool		has_manager;
	int64		manager;
} MovesKey;

typedef struct MovesEntry
{
	MovesKey	key;
	int64		moved;
	int64		deals;
	int64		refused;
	int64		expired;
	int64		recalled;
	int64		n;
} MovesEntry;

typedef struct LoadKey
{
	int32		sample;
	int64		manager;
} LoadKey;

typedef struct LoadEntry
{
	LoadKey		key;
	int64		delta;
} LoadEntry;

typedef struct Taken
{
	int32		bucket;
	int64		manager;
	int64		client;
} Taken;

typedef struct EntryEntry
{
	int64		client;
	TimestampTz last_entry;
} EntryEntry;

typedef struct Deal
{
	int64		id;
	int64		client;
	bool		has_manager;
	int64		manager;
	TimestampTz at;
	bool		has_start;
	TimestampTz started;
} Deal;

/* the period's thresholds, from a timestamptz[] without NULLs */
typedef struct Thresholds
{
	TimestampTz *at;
	int			n;
} Thresholds;

static Thresholds
ArrayThresholds(ArrayType *array, const char *what)
{
	Thresholds	t;
	Datum	   *values;
	bool	   *nulls;

	deconstruct_array(array, TIMESTAMPTZOID, sizeof(TimestampTz), true,
					  TYPALIGN_DOUBLE, &values, &nulls, &t.n);
	t.at = palloc(sizeof(TimestampTz) * Max(t.n, 1));
	for (int i = 0; i < t.n; i++)
	{
		if (nulls[i] || (i > 0 && DatumGetTimestampTz(values[i]) <= t.at[i - 1]))
			elog(ERROR, "trial_report_pass: %s must be ascending and without NULLs", what);
		t.at[i] = DatumGetTimestampTz(values[i]);
	}
	if (t.n == 0)
		elog(ERROR, "trial_report_pass: %s cannot be empty", what);
	return t;
}

/* how many thresholds are at or before ts: width_bucket() on the array */
static int
CountAtOrBefore(const Thresholds *t, TimestampTz ts)
{
	int			lo = 0,
				hi = t->n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (t->at[mid] <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
CountMove(HTAB *moves, const HistoryRow *row, int bucket)
{
	MovesKey	key;
	MovesEntry *entry;
	bool		found;
	bool		moved;

	memset(&key, 0, sizeof(key));
	key.bucket = bucket;
	key.to_state = row->to_state;
	key.reason = row->refusal_reason;
	key.has_manager = row->has_to_manager;
	key.manager = row->to_manager;
	entry = hash_search(moves, &key, HASH_ENTER, &found);
	if (!found)
		memset((char *) entry + sizeof(MovesKey), 0, sizeof(MovesEntry) - sizeof(MovesKey));
	moved = row->to_state != HISTORY_NONE && row->from_state != row->to_state;
	entry->n++;
	if (row->source == HISTORY_SOURCE_SALES_EXPIRE)
		entry->expired++;
	if (!moved)
		return;
	entry->moved++;
	if (row->to_state == CLIENT_STATE_DEAL)
		entry->deals++;
	else if (row->to_state == CLIENT_STATE_REFUSAL &&
			 row->source != HISTORY_SOURCE_SALES_EXPIRE)
		entry->refused++;
	else if (row->to_state == CLIENT_STATE_RECALL)
		entry->recalled++;
}

static void
AddLoad(HTAB *loads, int sample, int64 manager, int64 delta)
{
	LoadKey		key;
	LoadEntry  *entry;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.sample = sample;
	key.manager = manager;
	entry = hash_search(loads, &key, HASH_ENTER, &found);
	if (!found)
		entry->delta = 0;
	entry->delta += delta;
}

static bool
InWorklist(int8 state, bool has_manager)
{
	return has_manager && state != HISTORY_NONE &&
		ClientStateInWorklist((ClientState) state);
}

/*
 * The load's facts: the change a row makes to the worklists, first seen
 * by the sample at or after it.
 */
static void
CountLoad(HTAB *loads, const Thresholds *samples, const HistoryRow *row)
{
	bool		to_in = InWorklist(row->to_state, row->has_to_manager);
	bool		from_in = InWorklist(row->from_state, row->has_from_manager);
	bool		same = to_in && from_in && row->from_manager == row->to_manager;
	int			w;
	int			first_sample;

	if ((!to_in && !from_in) || same)
		return;
	w = CountAtOrBefore(samples, row->changed_at);
	first_sample = w + 1 - ((w > 0 && samples->at[w - 1] == row->changed_at) ? 1 : 0);
	if (to_in)
		AddLoad(loads, first_sample, row->to_manager, 1);
	if (from_in)
		AddLoad(loads, first_sample, row->from_manager, -1);
}

/* the client's latest entry into a worklist with an id below the deal's */
static void
LookUpEntry(Deal *deal)
{
	HistoryReader *reader = BeginClientHistory(deal->client,
											   HISTORY_STATES | HISTORY_MANAGERS);
	const HistoryRow *row;

	deal->has_start = false;
	while ((row = NextHistoryRow(reader)) != NULL && row->id < deal->id)
	{
		if (HistoryRowEntersWorklist(row) &&
			(!deal->has_start || row->changed_at > deal->started))
		{
			deal->has_start = true;
			deal->started = row->changed_at;
		}
	}
	EndHistoryRead(reader);
}

static int
CompareTaken(const void *a, const void *b)
{
	const Taken *x = a;
	const Taken *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->manager != y->manager)
		return x->manager < y->manager ? -1 : 1;
	if (x->client != y->client)
		return x->client < y->client ? -1 : 1;
	return 0;
}

static int
CompareTakenTotal(const void *a, const void *b)
{
	const Taken *x = a;
	const Taken *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->client != y->client)
		return x->client < y->client ? -1 : 1;
	return 0;
}

typedef struct Output
{
	Tuplestorestate *store;
	TupleDesc	desc;
	Datum		values[NCOLS];
	bool		nulls[NCOLS];
} Output;

static void
StartRow(Output *out, const char *kind, int bucket)
{
	for (int i = 0; i < NCOLS; i++)
	{
		out->values[i] = (Datum) 0;
		out->nulls[i] = true;
	}
	out->values[COL_KIND] = CStringGetTextDatum(kind);
	out->nulls[COL_KIND] = false;
	out->values[COL_BUCKET] = Int32GetDatum(bucket);
	out->nulls[COL_BUCKET] = false;
	out->values[COL_TOTAL] = BoolGetDatum(false);
	out->nulls[COL_TOTAL] = false;
}

static void
SetInt64(Output *out, int col, int64 value)
{
	out->values[col] = Int64GetDatum(value);
	out->nulls[col] = false;
}

static void
PutRow(Output *out)
{
	tuplestore_putvalues(out->store, out->desc, out->values, out->nulls);
	pfree(DatumGetPointer(out->values[COL_KIND]));
}

/* a sum over the rows of a group, NULL where no row counted (as sum()) */
static void
SetSum(Output *out, int col, int64 value, bool any)
{
	if (any)
		SetInt64(out, col, value);
}

static void
PutMoves(Output *out, HistoryReader *reader, HTAB *moves)
{
	HASH_SEQ_STATUS seq;
	MovesEntry *entry;
	List	   *per_manager = NIL;
	ListCell   *lc;

	/* the totals, from the managers' rows */
	hash_seq_init(&seq, moves);
	while ((entry = hash_seq_search(&seq)) != NULL)
		per_manager = lappend(per_manager, entry);
	foreach(lc, per_manager)
	{
		MovesEntry *m = lfirst(lc);
		MovesKey	key = m->key;
		MovesEntry *total;
		bool		found;

		key.total = true;
		key.has_manager = false;
		key.manager = 0;
		total = hash_search(moves, &key, HASH_ENTER, &found);
		if (!found)
			memset((char *) total + sizeof(MovesKey), 0, sizeof(MovesEntry) - sizeof(MovesKey));
		total->moved += m->moved;
		total->deals += m->deals;
		total->refused += m->refused;
		total->expired += m->expired;
		total->recalled += m->recalled;
		total->n += m->n;
	}
	list_free(per_manager);

	/*
	 * As sum(x.n) FILTER (...) over the group: NULL where no row of the
	 * group passed the filter.
	 */
	hash_seq_init(&seq, moves);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		const MovesKey *key = &entry->key;
		bool		moving = entry->moved > 0;

		StartRow(out, "moves", key->bucket);
		if (key->has_manager)
			SetInt64(out, COL_MANAGER, key->manager);
		out->values[COL_TOTAL] = BoolGetDatum(key->total);
		if (key->to_state != HISTORY_NONE)
		{
			out->values[COL_TO_STATE] = ClientStateGetDatum(key->to_state);
			out->nulls[COL_TO_STATE] = false;
		}
		if (key->reason != HISTORY_NONE)
		{
			out->values[COL_REASON] =
				CStringGetTextDatum(HistoryReasonName(reader, key->reason));
			out->nulls[COL_REASON] = false;
		}
		SetSum(out, COL_MOVED, entry->moved, moving);
		SetSum(out, COL_DEALS, entry->deals, entry->deals > 0);
		SetSum(out, COL_REFUSED, entry->refused, entry->refused > 0);
		SetSum(out, COL_EXPIRED, entry->expired, entry->expired > 0);
		SetSum(out, COL_RECALLED, entry->recalled, entry->recalled > 0);
		SetInt64(out, COL_N, entry->n);
		PutRow(out);
	}
}

static void
PutTaken(Output *out, Taken *taken, int ntaken)
{
	int			i;

	qsort(taken, ntaken, sizeof(Taken), CompareTaken);
	for (i = 0; i < ntaken;)
	{
		int			j = i;
		int64		clients = 0;

		for (; j < ntaken && taken[j].bucket == taken[i].bucket &&
			 taken[j].manager == taken[i].manager; j++)
			if (j == i || taken[j].client != taken[j - 1].client)
				clients++;
		StartRow(out, "taken", taken[i].bucket);
		SetInt64(out, COL_MANAGER, taken[i].manager);
		SetInt64(out, COL_N, clients);
		PutRow(out);
		i = j;
	}
	qsort(taken, ntaken, sizeof(Taken), CompareTakenTotal);
	for (i = 0; i < ntaken;)
	{
		int			j = i;
		int64		clients = 0;

		for (; j < ntaken && taken[j].bucket == taken[i].bucket; j++)
			if (j == i || taken[j].client != taken[j - 1].client)
				clients++;
		StartRow(out, "taken", taken[i].bucket);
		out->values[COL_TOTAL] = BoolGetDatum(true);
		SetInt64(out, COL_N, clients);
		PutRow(out);
		i = j;
	}
}

static void
PutLoads(Output *out, HTAB *loads)
{
	HASH_SEQ_STATUS seq;
	LoadEntry  *entry;

	hash_seq_init(&seq, loads);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		StartRow(out, "load", entry->key.sample);
		SetInt64(out, COL_MANAGER, entry->key.manager);
		SetInt64(out, COL_N, entry->delta);
		PutRow(out);
	}
}

static void
PutDeals(Output *out, Deal *deals, int ndeals, bool ids_in_time_order)
{
	for (int i = 0; i < ndeals; i++)
	{
		Deal	   *deal = &deals[i];

		if (!deal->has_start || !ids_in_time_order)
			LookUpEntry(deal);
		StartRow(out, "deal", 1);
		if (deal->has_manager)
			SetInt64(out, COL_MANAGER, deal->manager);
		out->values[COL_DEAL_AT] = TimestampTzGetDatum(deal->at);
		out->nulls[COL_DEAL_AT] = false;
		if (deal->has_start)
		{
			out->values[COL_STARTED_AT] = TimestampTzGetDatum(deal->started);
			out->nulls[COL_STARTED_AT] = false;
		}
		PutRow(out);
	}
}

/*
 * trial_report_pass(from_ts, to_ts, starts timestamptz[], samples
 * timestamptz[], with_deals boolean): the facts above; buckets are
 * numbered from 1 by starts (width_bucket), samples from 1 (the load's
 * sample cardinality + 1 is "after the last sample").  Reads the history
 * from the earlier of from_ts and the first sample to now.
 */
Datum
trial_report_pass(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz from_ts = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz to_ts = PG_GETARG_TIMESTAMPTZ(1);
	bool		with_deals = PG_GETARG_BOOL(4);
	MemoryContext pass_cxt;
	MemoryContext old_cxt;
	Thresholds	starts;
	Thresholds	samples;
	HTAB	   *moves;
	HTAB	   *loads;
	HTAB	   *entries = NULL;
	HASHCTL		ctl;
	Taken	   *taken;
	int			ntaken = 0;
	int			taken_size = 1024;
	Deal	   *deals;
	int			ndeals = 0;
	int			deals_size = 64;
	bool		ids_in_time_order = true;
	int64		last_id = PG_INT64_MIN;
	HistoryReader *reader;
	const HistoryRow *row;
	Output		out;

	InitMaterializedSRF(fcinfo, 0);
	out.store = rsinfo->setResult;
	out.desc = rsinfo->setDesc;

	pass_cxt = AllocSetContextCreate(CurrentMemoryContext, "trial report pass",
									 ALLOCSET_DEFAULT_SIZES);
	old_cxt = MemoryContextSwitchTo(pass_cxt);

	starts = ArrayThresholds(PG_GETARG_ARRAYTYPE_P(2), "starts");
	samples = ArrayThresholds(PG_GETARG_ARRAYTYPE_P(3), "samples");

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(MovesKey);
	ctl.entrysize = sizeof(MovesEntry);
	ctl.hcxt = pass_cxt;
	moves = hash_create("trial report moves", 4096, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(LoadKey);
	ctl.entrysize = sizeof(LoadEntry);
	loads = hash_create("trial report loads", 4096, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (with_deals)
	{
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(EntryEntry);
		entries = hash_create("trial report entries", 65536, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	taken = palloc(sizeof(Taken) * taken_size);
	deals = palloc(sizeof(Deal) * deals_size);

	reader = BeginHistoryPeriod(Min(from_ts, samples.at[0]), DT_NOEND,
								HISTORY_STATES | HISTORY_MANAGERS |
								HISTORY_REASON | HISTORY_SOURCE);
	while ((row = NextHistoryRow(reader)) != NULL)
	{
		bool		enters = HistoryRowEntersWorklist(row);

		if (row->id < last_id)
			ids_in_time_order = false;
		last_id = Max(last_id, row->id);

		if (row->changed_at > samples.at[0])
			CountLoad(loads, &samples, row);
		if (row->changed_at < from_ts || row->changed_at >= to_ts)
			continue;

		/* the period's own rows */
		{
			int			bucket = CountAtOrBefore(&starts, row->changed_at);

			CountMove(moves, row, bucket);
			if (enters)
			{
				if (ntaken == taken_size)
				{
					taken_size *= 2;
					taken = repalloc_huge(taken, sizeof(Taken) * taken_size);
				}
				taken[ntaken].bucket = bucket;
				taken[ntaken].manager = row->to_manager;
				taken[ntaken].client = row->client_id;
				ntaken++;
			}
		}
		if (!with_deals)
			continue;
		if (enters)
		{
			EntryEntry *entry = hash_search(entries, &row->client_id,
											HASH_ENTER, NULL);

			entry->last_entry = row->changed_at;
		}
		else if (row->to_state == CLIENT_STATE_DEAL &&
				 row->from_state != CLIENT_STATE_DEAL)
		{
			EntryEntry *entry = hash_search(entries, &row->client_id,
											HASH_FIND, NULL);
			Deal	   *deal;

			if (ndeals == deals_size)
			{
				deals_size *= 2;
				deals = repalloc_huge(deals, sizeof(Deal) * deals_size);
			}
			deal = &deals[ndeals++];
			deal->id = row->id;
			deal->client = row->client_id;
			deal->has_manager = row->has_to_manager;
			deal->manager = row->to_manager;
			deal->at = row->changed_at;
			deal->has_start = entry != NULL;
			deal->started = entry ? entry->last_entry : 0;
		}
	}

	PutMoves(&out, reader, moves);
	PutTaken(&out, taken, ntaken);
	PutLoads(&out, loads);
	PutDeals(&out, deals, ndeals, ids_in_time_order);
	EndHistoryRead(reader);

	MemoryContextSwitchTo(old_cxt);
	MemoryContextDelete(pass_cxt);
	return (Datum) 0;
}
