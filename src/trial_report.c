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
 *	  - median: per manager the deals went to (and total), the median days
 *		from each deal's client's last entry into a worklist to the deal, as
 *		round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch
 *		FROM deal - entry) / 86400)::numeric, 2) computes it: PostgreSQL's
 *		own functions for each step, called directly, and percentile_cont's
 *		interpolation.
 *
 * A deal's last entry is the latest entry the pass saw for that client, as
 * long as the history's ids grow with its times (they do unless the
 * simulated clock went back): otherwise, and for a client with no entry
 * since the period's start, it comes from the client's own history by the
 * client_id index, as the straightforward SQL defines it (the latest entry
 * with a smaller id).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
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
	COL_DAYS,
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
	char		status;			/* simplehash's */
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
	char		status;
	int64		delta;
} LoadEntry;

typedef struct EntryEntry
{
	int64		client;
	char		status;
	TimestampTz last_entry;
} EntryEntry;

/*
 * Each row costs a few lookups: simplehash's, inlined, rather than
 * dynahash's calls through pointers, which took a fifth of the pass.
 */
static inline uint32
Mix64(uint64 x)
{
	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (uint32) x;
}

static inline uint32
MovesHash(MovesKey key)
{
	uint64		rest = ((uint64) (uint32) key.bucket << 32) |
		((uint64) (uint16) key.to_state << 16) |
		(uint64) (uint16) key.reason;

	return Mix64(hash_combine64((uint64) key.manager, rest) ^
				 ((uint64) key.total << 1 | (uint64) key.has_manager));
}

#define SH_PREFIX moves
#define SH_ELEMENT_TYPE MovesEntry
#define SH_KEY_TYPE MovesKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) MovesHash(k)
#define SH_EQUAL(tb, a, b) (memcmp(&(a), &(b), sizeof(MovesKey)) == 0)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#define SH_PREFIX loads
#define SH_ELEMENT_TYPE LoadEntry
#define SH_KEY_TYPE LoadKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) \
	Mix64(hash_combine64((uint64) (k).manager, (uint64) (uint32) (k).sample))
#define SH_EQUAL(tb, a, b) ((a).manager == (b).manager && (a).sample == (b).sample)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#define SH_PREFIX entries
#define SH_ELEMENT_TYPE EntryEntry
#define SH_KEY_TYPE int64
#define SH_KEY client
#define SH_HASH_KEY(tb, k) Mix64((uint64) (k))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* a deal's days by its microseconds from entry to deal (few distinct) */
typedef struct DaysEntry
{
	int64		usecs;
	char		status;
	double		days;
} DaysEntry;

#define SH_PREFIX days
#define SH_ELEMENT_TYPE DaysEntry
#define SH_KEY_TYPE int64
#define SH_KEY usecs
#define SH_HASH_KEY(tb, k) Mix64((uint64) (k))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct Taken
{
	int32		bucket;
	int64		manager;
	int64		client;
} Taken;

typedef struct Deal
{
	int64		id;
	int64		client;
	bool		has_manager;
	int64		manager;
	TimestampTz at;
	bool		has_start;
	TimestampTz started;
	double		days;			/* what percentile_cont() sorts */
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
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the %s of a report pass must ascend, without NULLs", what),
					 errdetail("Element %d is NULL or not after the one before it.", i + 1),
					 errhint("Run trial_report() or trial_series(), which give them.")));
		t.at[i] = DatumGetTimestampTz(values[i]);
	}
	if (t.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s of a report pass cannot be empty", what),
				 errhint("Run trial_report() or trial_series(), which give them.")));
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
ZeroMoves(MovesEntry *entry)
{
	entry->moved = entry->deals = entry->refused = 0;
	entry->expired = entry->recalled = entry->n = 0;
}

static void
CountMove(moves_hash *moves, const HistoryRow *row, int bucket)
{
	MovesKey	key;
	MovesEntry *entry;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.bucket = bucket;
	key.to_state = row->to_state;
	key.reason = row->refusal_reason;
	key.has_manager = row->has_to_manager;
	key.manager = row->to_manager;
	entry = moves_insert(moves, key, &found);
	if (!found)
		ZeroMoves(entry);
	entry->n++;
	if (row->source == HISTORY_SOURCE_SALES_EXPIRE)
		entry->expired++;
	if (row->to_state == HISTORY_NONE || row->from_state == row->to_state)
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
AddLoad(loads_hash *loads, int sample, int64 manager, int64 delta)
{
	LoadKey		key;
	LoadEntry  *entry;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.sample = sample;
	key.manager = manager;
	entry = loads_insert(loads, key, &found);
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
CountLoad(loads_hash *loads, const Thresholds *samples, const HistoryRow *row)
{
	bool		to_in = InWorklist(row->to_state, row->has_to_manager);
	bool		from_in = InWorklist(row->from_state, row->has_from_manager);
	int			w;
	int			first_sample;

	if ((!to_in && !from_in) ||
		(to_in && from_in && row->from_manager == row->to_manager))
		return;
	w = CountAtOrBefore(samples, row->changed_at);
	first_sample = w + 1 - ((w > 0 && samples->at[w - 1] == row->changed_at) ? 1 : 0);
	if (to_in)
		AddLoad(loads, first_sample, row->to_manager, 1);
	if (from_in)
		AddLoad(loads, first_sample, row->from_manager, -1);
}

/*
 * The client's latest entry into a worklist with an id below the deal's,
 * through a reader of clients' histories opened by the caller.
 */
static void
LookUpEntry(HistoryReader *clients, Deal *deal)
{
	const HistoryRow *row;

	RestartClientHistory(clients, deal->client);
	deal->has_start = false;
	while ((row = NextHistoryRow(clients)) != NULL && row->id < deal->id)
	{
		if (HistoryRowEntersWorklist(row) &&
			(!deal->has_start || row->changed_at > deal->started))
		{
			deal->has_start = true;
			deal->started = row->changed_at;
		}
	}
}

/*
 * extract(epoch FROM deal - started) / 86400, to float8: each step by the
 * function SQL would call, once per distinct time from entry to deal (the
 * steps cost microseconds, and deals share a few hundred times).
 */
static double
DealDays(days_hash *memo, const Deal *deal)
{
	bool		found;
	DaysEntry  *entry = days_insert(memo, deal->at - deal->started, &found);
	Datum		interval;
	Datum		epoch;
	Datum		days;

	if (found)
		return entry->days;
	interval = DirectFunctionCall2(timestamp_mi,
											   TimestampTzGetDatum(deal->at),
											   TimestampTzGetDatum(deal->started));
	epoch = DirectFunctionCall2(extract_interval,
								CStringGetTextDatum("epoch"), interval);
	days = DirectFunctionCall2(numeric_div, epoch,
							   DirectFunctionCall1(int4_numeric,
												   Int32GetDatum(86400)));
	entry->days = DatumGetFloat8(DirectFunctionCall1(numeric_float8, days));
	return entry->days;
}

static int
CompareDouble(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days)::numeric, 2) of
 * n values, sorted here; NULL (false) for none.
 */
static bool
MedianDays(double *days, int n, Datum *result)
{
	const double percentile = 0.5;
	int64		first_row;
	int64		second_row;
	double		value;

	if (n == 0)
		return false;
	qsort(days, n, sizeof(double), CompareDouble);
	first_row = floor(percentile * (n - 1));
	second_row = ceil(percentile * (n - 1));
	value = days[first_row];
	if (second_row != first_row)
	{
		double		proportion = (percentile * (n - 1)) - first_row;

		value = value + (proportion * (days[second_row] - value));
	}
	*result = DirectFunctionCall2(numeric_round,
								  DirectFunctionCall1(float8_numeric, Float8GetDatum(value)),
								  Int32GetDatum(2));
	return true;
}

/* by client, so that the lookups walk the client_id index in its order */
static int
CompareDealClients(const void *a, const void *b)
{
	const Deal *x = a;
	const Deal *y = b;

	if (x->client != y->client)
		return x->client < y->client ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static int
CompareDealManagers(const void *a, const void *b)
{
	const Deal *x = a;
	const Deal *y = b;

	if (x->has_manager != y->has_manager)
		return x->has_manager ? -1 : 1;
	return (x->manager > y->manager) - (x->manager < y->manager);
}

/* the taken rows are sorted twice: inlined comparisons */
static inline int
CompareTaken(const Taken *x, const Taken *y)
{
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	if (x->manager != y->manager)
		return x->manager < y->manager ? -1 : 1;
	return (x->client > y->client) - (x->client < y->client);
}

static inline int
CompareTakenTotal(const Taken *x, const Taken *y)
{
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return (x->client > y->client) - (x->client < y->client);
}

#define ST_SORT sort_taken
#define ST_ELEMENT_TYPE Taken
#define ST_COMPARE(a, b) CompareTaken(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

#define ST_SORT sort_taken_total
#define ST_ELEMENT_TYPE Taken
#define ST_COMPARE(a, b) CompareTakenTotal(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

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

/* as sum(n) FILTER (...) over a group: NULL where no row passed */
static void
SetSum(Output *out, int col, int64 value)
{
	if (value > 0)
		SetInt64(out, col, value);
}

static void
PutMovesOf(Output *out, HistoryReader *reader, moves_hash *moves)
{
	moves_iterator it;
	MovesEntry *entry;

	moves_start_iterate(moves, &it);
	while ((entry = moves_iterate(moves, &it)) != NULL)
	{
		const MovesKey *key = &entry->key;

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
		SetSum(out, COL_MOVED, entry->moved);
		SetSum(out, COL_DEALS, entry->deals);
		SetSum(out, COL_REFUSED, entry->refused);
		SetSum(out, COL_EXPIRED, entry->expired);
		SetSum(out, COL_RECALLED, entry->recalled);
		SetInt64(out, COL_N, entry->n);
		PutRow(out);
	}
}

/* the managers' rows, and the totals summed from them */
static void
PutMoves(Output *out, HistoryReader *reader, moves_hash *moves,
		 MemoryContext cxt)
{
	moves_hash *totals = moves_create(cxt, 256, NULL);
	moves_iterator it;
	MovesEntry *entry;

	moves_start_iterate(moves, &it);
	while ((entry = moves_iterate(moves, &it)) != NULL)
	{
		MovesKey	key = entry->key;
		MovesEntry *total;
		bool		found;

		key.total = true;
		key.has_manager = false;
		key.manager = 0;
		total = moves_insert(totals, key, &found);
		if (!found)
			ZeroMoves(total);
		total->moved += entry->moved;
		total->deals += entry->deals;
		total->refused += entry->refused;
		total->expired += entry->expired;
		total->recalled += entry->recalled;
		total->n += entry->n;
	}
	PutMovesOf(out, reader, moves);
	PutMovesOf(out, reader, totals);
}

static void
PutTaken(Output *out, Taken *taken, int ntaken)
{
	int			i;

	sort_taken(taken, ntaken);
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
	sort_taken_total(taken, ntaken);
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
PutLoads(Output *out, loads_hash *loads)
{
	loads_iterator it;
	LoadEntry  *entry;

	loads_start_iterate(loads, &it);
	while ((entry = loads_iterate(loads, &it)) != NULL)
	{
		StartRow(out, "load", entry->key.sample);
		SetInt64(out, COL_MANAGER, entry->key.manager);
		SetInt64(out, COL_N, entry->delta);
		PutRow(out);
	}
}

static void
PutMedian(Output *out, bool has_manager, int64 manager, bool total,
		  double *days, int n)
{
	Datum		median;

	StartRow(out, "median", 1);
	if (has_manager)
		SetInt64(out, COL_MANAGER, manager);
	out->values[COL_TOTAL] = BoolGetDatum(total);
	if (MedianDays(days, n, &median))
	{
		out->values[COL_DAYS] = median;
		out->nulls[COL_DAYS] = false;
	}
	PutRow(out);
}

/*
 * The medians per manager the deals went to, and in total (a total row
 * even without deals, as GROUPING SETS (..., ()) gives one).
 */
static void
PutMedians(Output *out, Deal *deals, int ndeals, bool ids_in_time_order,
		   MemoryContext cxt)
{
	double	   *days = palloc(sizeof(double) * Max(ndeals, 1));
	days_hash  *memo = days_create(cxt, 1024, NULL);
	HistoryReader *clients = NULL;
	int			n = 0;

	qsort(deals, ndeals, sizeof(Deal), CompareDealClients);
	for (int i = 0; i < ndeals; i++)
	{
		if (!deals[i].has_start || !ids_in_time_order)
		{
			if (clients == NULL)
				clients = BeginClientHistory(deals[i].client,
											 HISTORY_STATES | HISTORY_MANAGERS);
			LookUpEntry(clients, &deals[i]);
		}
		if (deals[i].has_start)
			deals[i].days = DealDays(memo, &deals[i]);
	}
	if (clients != NULL)
		EndHistoryRead(clients);
	qsort(deals, ndeals, sizeof(Deal), CompareDealManagers);
	for (int i = 0; i < ndeals;)
	{
		int			j = i;

		n = 0;
		for (; j < ndeals && deals[j].has_manager == deals[i].has_manager &&
			 deals[j].manager == deals[i].manager; j++)
			if (deals[j].has_start)
				days[n++] = deals[j].days;
		PutMedian(out, deals[i].has_manager, deals[i].manager, false, days, n);
		i = j;
	}
	n = 0;
	for (int i = 0; i < ndeals; i++)
		if (deals[i].has_start)
			days[n++] = deals[i].days;
	PutMedian(out, false, 0, true, days, n);
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
	moves_hash *moves;
	loads_hash *loads;
	entries_hash *entries = NULL;
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
	moves = moves_create(pass_cxt, 4096, NULL);
	loads = loads_create(pass_cxt, 4096, NULL);
	if (with_deals)
		entries = entries_create(pass_cxt, 65536, NULL);
	taken = palloc(sizeof(Taken) * taken_size);
	deals = palloc(sizeof(Deal) * deals_size);

	reader = BeginHistoryPeriod(Min(from_ts, samples.at[0]), DT_NOEND,
								HISTORY_STATES | HISTORY_MANAGERS |
								HISTORY_REASON | HISTORY_SOURCE);
	while ((row = NextHistoryRow(reader)) != NULL)
	{
		bool		enters;
		int			bucket;

		if (row->id < last_id)
			ids_in_time_order = false;
		last_id = Max(last_id, row->id);

		if (row->changed_at > samples.at[0])
			CountLoad(loads, &samples, row);
		if (row->changed_at < from_ts || row->changed_at >= to_ts)
			continue;

		/* the period's own rows */
		bucket = CountAtOrBefore(&starts, row->changed_at);
		CountMove(moves, row, bucket);
		enters = HistoryRowEntersWorklist(row);
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
		if (!with_deals)
			continue;
		if (enters)
		{
			bool		found;

			entries_insert(entries, row->client_id, &found)->last_entry =
				row->changed_at;
		}
		else if (row->to_state == CLIENT_STATE_DEAL &&
				 row->from_state != CLIENT_STATE_DEAL)
		{
			EntryEntry *entry = entries_lookup(entries, row->client_id);
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

	PutMoves(&out, reader, moves, pass_cxt);
	PutTaken(&out, taken, ntaken);
	PutLoads(&out, loads);
	if (with_deals)
		PutMedians(&out, deals, ndeals, ids_in_time_order, pass_cxt);
	EndHistoryRead(reader);

	MemoryContextSwitchTo(old_cxt);
	MemoryContextDelete(pass_cxt);
	return (Datum) 0;
}
