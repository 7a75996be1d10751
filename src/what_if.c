/*
 * what_if.c
 *	  Replays a period's client history under another model: what another
 *	  cap, another manager's active flag or other deadlines would have done.
 *
 * One pass over the period's history in time order, with what each client
 * and each manager is under the real model and under the what-if one.  The
 * assumptions (README, "Calibrating the model"):
 *
 * - the same people make the same moves at the same times;
 * - an entry into a worklist that the what-if cap (or active flag) refuses
 *   does not happen, and the client makes no further move in that worklist
 *   period (its deals are lost to the cap);
 * - a what-if deadline is the real deadline moved by the difference of the
 *   two deadline rules for the client's size and category when its clock
 *   started (as the history has them; extensions stay);
 * - a client whose what-if deadline is its real one expires when it really
 *   did: a run that skipped it (another session held it) skips it here too;
 * - a client whose what-if deadline differs expires under the what-if
 *   model at the first sales_expire() run at or after that deadline (the
 *   runs are those of the period, from client_history and expire_runs; with
 *   no run, never); from then on it makes no further move in that worklist
 *   period (its deals are lost to the deadline);
 * - a client the real model expired and the what-if keeps holds its slot
 *   until its what-if expiry; what it did after the real expiry is not
 *   replayed (an unknown outcome, never a deal);
 * - a client's changes happened in the order of their history ids: a row
 *   dated before its client's previous row (a statement that waited on
 *   that change's row lock, or salesalgo.now set back) is replayed at the
 *   previous row's time, in the actual column as in the what-if one.  Only
 *   a disorder within the rows from from_ts on is seen.
 *
 * One statement's moves share a time, and so may several statements (one
 * transaction's, or under salesalgo.now).  The history does not say where a
 * statement ends, and the cap is judged at each statement's end: an entry
 * is judged in history id order with the slots that clients holding one now
 * free later at that time counted as free.  A client that enters and leaves
 * within that time frees its slot only once, when it leaves: it never frees
 * the slot of a client that left before it entered.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "history_reader.h"

/* What a client is under the what-if model, beside what it really did. */
typedef enum WhatIfStatus
{
	WI_FOLLOWS,					/* makes the moves it really made */
	WI_OUT_CAP,					/* refused entry: no moves in this period */
	WI_OUT_DEADLINE,			/* expired earlier: no moves in this period */
	WI_OUT_UNKNOWN,				/* kept longer, then expired: not replayed */
	WI_KEPT						/* really expired, still in work */
} WhatIfStatus;

enum
{
	M_TAKEN,
	M_REFUSED_CAP,
	M_REFUSED_INACTIVE,
	M_EXPIRED,
	M_EXPIRIES_AVOIDED,
	M_DEALS,
	M_LOST_DEADLINE,
	M_LOST_CAP,
	M_COUNTS
};

static const char *const metric_names[M_COUNTS] = {
	"taken_into_work", "refused_by_cap", "refused_inactive", "expired",
	"expiries_avoided", "deals", "deals_lost_to_deadline", "deals_lost_to_cap"
};

typedef struct Manager
{
	int64		id;				/* 0: no manager (totals only) */
	int			cap[2];			/* [0] real, [1] what-if */
	bool		active_wi;
	int64		holds[2];		/* clients in the worklist now */
	TimestampTz since[2];		/* when holds last changed */
	double		area[2];		/* slot-microseconds */
	int64		count[M_COUNTS][2];
	int64		pending;		/* its what-if clients leaving later at this time */
} Manager;

typedef struct ManagerEntry
{
	int64		id;
	int			index;
} ManagerEntry;

typedef struct ReplayClient
{
	int64		id;
	WhatIfStatus status;
	bool		in_state;		/* what-if: in a worklist state */
	int			manager;		/* what-if: index of the slot held, 0 none */
	uint32		version;		/* of its pending expiry */
	bool		clock_runs;		/* really: in a worklist state, with a deadline */
	int			delta;			/* what-if days minus real days, since then */
	bool		taken[2];		/* entered a worklist in the period */
	int			pending;		/* index of the manager whose pending counts
								 * its next move at this time, 0 none */
	int64		last_id;		/* its highest history id read from from_ts */
	bool		reordered;		/* a row of it dated before an earlier id's */
	/* its size and category now, for rows written before 1.2 */
	int			now_size;		/* -1: unknown (deleted, or not read) */
	bool		now_has_category;
	int64		now_category;
} ReplayClient;

/* A client's slot in the chunks, by an id not looked up directly. */
typedef struct ClientEntry
{
	int64		id;
	int32		slot;
} ClientEntry;

typedef struct TakenKey
{
	int64		manager;
	int64		client;
} TakenKey;

typedef struct TakenEntry
{
	TakenKey	key;
	bool		taken[2];
} TakenEntry;

typedef struct Expiry
{
	TimestampTz at;
	int64		client;
	uint32		version;
} Expiry;

typedef struct Event
{
	int64		id;				/* of the history row; 0 at from_ts */
	int64		client;
	TimestampTz at;
	bool		from_in;
	bool		to_in;
	int64		from_manager;	/* 0: none */
	int64		to_manager;
	bool		has_deadline;
	TimestampTz deadline;
	bool		is_deal;
	bool		by_expire;
	int			size;			/* -1: unknown */
	bool		has_category;
	int64		category;
	bool		size_now;		/* a row before 1.2: the client's size now */
	int			next;			/* the client's next event at this time, -1 */
} Event;

typedef struct Replay
{
	Manager    *managers;
	int			nmanagers;
	int			allocated;
	HTAB	   *manager_index;
	int		   *direct;			/* index by id, for small ids; 0 unknown */
	MemoryContext context;		/* of what lasts the whole replay */
	/* the clients, in chunks that never move; by id directly or hashed */
	ReplayClient **client_chunks;
	int			nclients;
	int			chunks_allocated;
	int32	   *client_direct;	/* slot + 1 by id, 0: not seen */
	int64		direct_size;
	HTAB	   *client_hash;	/* ClientEntry, for the other ids */
	HTAB	   *taken;
	int			default_cap[2];
	/* deadline rules: size -1 and category absent mean "any" */
	int			nrules;
	int		   *rule_size;
	bool	   *rule_has_category;
	int64	   *rule_category;
	int		   *rule_days[2];	/* -1: no such rule in that model */
	/* sales_expire() runs of the period, by time */
	int			nruns;
	TimestampTz *run_at;
	TimestampTz *run_as_of;
	TimestampTz *run_as_of_max; /* running maximum of run_as_of */
	/* pending what-if expiries, a binary min-heap */
	Expiry	   *heap;
	int			nheap;
	int			heap_allocated;
	int64		total_taken[2];
	/* the rows of the reordered clients, at their replay times, in order */
	Event	   *delayed;
	int			ndelayed;
	bool		sizes_needed;	/* do the deadline rules differ? */
	bool		old_rows;		/* rows written before 1.2 since from_ts */
} Replay;

static const char *const size_names[] = {"nonprofile", "small", "medium", "large"};

static int
SizeCode(const char *name)
{
	for (int i = 0; i < (int) lengthof(size_names); i++)
		if (strcmp(name, size_names[i]) == 0)
			return i;
	return -1;
}

/* Managers' ids are small in practice: those below this are looked up directly. */
#define DIRECT_MANAGER_IDS 65536

static int
ManagerIndex(Replay *r, int64 id)
{
	ManagerEntry *entry;
	bool		found;
	int			index;

	if (id == 0)
		return 0;
	if (id > 0 && id < DIRECT_MANAGER_IDS && r->direct[id] != 0)
		return r->direct[id];
	entry = hash_search(r->manager_index, &id, HASH_ENTER, &found);
	if (!found)
	{
		Manager    *m;

		/* a manager the model at from_ts did not know: the defaults */
		if (r->nmanagers == r->allocated)
		{
			r->allocated *= 2;
			r->managers = repalloc(r->managers, sizeof(Manager) * r->allocated);
		}
		entry->index = r->nmanagers++;
		m = &r->managers[entry->index];
		memset(m, 0, sizeof(Manager));
		m->id = id;
		m->cap[0] = r->default_cap[0];
		m->cap[1] = r->default_cap[1];
		m->active_wi = true;
	}
	index = entry->index;
	if (id > 0 && id < DIRECT_MANAGER_IDS)
		r->direct[id] = index;
	return index;
}

static void
ChangeHolds(Manager *m, int side, int by, TimestampTz at)
{
	if (m->id == 0)
		return;
	if (at > m->since[side])
	{
		/* in double: the widest period overflows an int64 difference */
		m->area[side] += (double) m->holds[side] * ((double) at - (double) m->since[side]);
		m->since[side] = at;
	}
	m->holds[side] += by;
}

static int
RuleDays(Replay *r, int side, int size, bool has_category, int64 category)
{
	int			best = -1;
	int			best_rank = 5;

	for (int i = 0; i < r->nrules; i++)
	{
		int			rank;

		if (r->rule_days[side][i] < 0)
			continue;
		if (r->rule_size[i] >= 0 && r->rule_size[i] != size)
			continue;
		if (r->rule_has_category[i] &&
			(!has_category || r->rule_category[i] != category))
			continue;
		/* (size, category), (size, any), (any, category), (any, any) */
		rank = (r->rule_size[i] >= 0 ? 0 : 2) + (r->rule_has_category[i] ? 0 : 1);
		if (rank < best_rank)
		{
			best_rank = rank;
			best = r->rule_days[side][i];
		}
	}
	return best;
}

/*
 * The real clock starts (R7) or stops with this move.  When it starts, the
 * difference of the two models' days is fixed for the size and category the
 * client has then (as the history has them); an extension moves both
 * deadlines alike, and a later change of size or category changes neither.
 */
static void
Clock(Replay *r, ReplayClient *c, const Event *e)
{
	if (!e->to_in || !e->has_deadline)
	{
		c->clock_runs = false;
		return;
	}
	if (!c->clock_runs)
	{
		int			real_days = -1;
		int			what_if_days = -1;

		int			size = e->size_now ? c->now_size : e->size;
		bool		has_category = e->size_now ? c->now_has_category : e->has_category;
		int64		category = e->size_now ? c->now_category : e->category;

		if (size >= 0)
		{
			real_days = RuleDays(r, 0, size, has_category, category);
			what_if_days = RuleDays(r, 1, size, has_category, category);
		}
		c->delta = (real_days < 0 || what_if_days < 0) ? 0 : what_if_days - real_days;
		c->clock_runs = true;
	}
}

/*
 * When a deadline set at "now" expires under the what-if model: the first
 * run at or after now whose as_of reaches it; DT_NOEND if none.
 */
static TimestampTz
ExpiryTime(Replay *r, TimestampTz now, TimestampTz deadline)
{
	int			lo = 0;
	int			hi = r->nruns;
	int			j;

	if (r->nruns == 0)
		return DT_NOEND;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (r->run_at[mid] < now)
			lo = mid + 1;
		else
			hi = mid;
	}
	j = lo;
	/* skip the runs before any as_of reached the deadline */
	lo = j;
	hi = r->nruns;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (r->run_as_of_max[mid] < deadline)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (j = lo; j < r->nruns; j++)
		if (r->run_as_of[j] >= deadline)
			return r->run_at[j];
	return DT_NOEND;
}

static void
HeapPush(Replay *r, TimestampTz at, int64 client, uint32 version)
{
	int			i;

	if (r->nheap == r->heap_allocated)
	{
		r->heap_allocated *= 2;
		r->heap = repalloc_huge(r->heap, sizeof(Expiry) * r->heap_allocated);
	}
	i = r->nheap++;
	while (i > 0 && r->heap[(i - 1) / 2].at > at)
	{
		r->heap[i] = r->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->heap[i].at = at;
	r->heap[i].client = client;
	r->heap[i].version = version;
}

static Expiry
HeapPop(Replay *r)
{
	Expiry		top = r->heap[0];
	Expiry		last = r->heap[--r->nheap];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= r->nheap)
			break;
		if (child + 1 < r->nheap && r->heap[child + 1].at < r->heap[child].at)
			child++;
		if (r->heap[child].at >= last.at)
			break;
		r->heap[i] = r->heap[child];
		i = child;
	}
	if (r->nheap > 0)
		r->heap[i] = last;
	return top;
}

/* The client's what-if clock runs to deadline, set at now. */
static void
SetDeadline(Replay *r, ReplayClient *c, TimestampTz now, TimestampTz deadline)
{
	TimestampTz at;

	c->version++;
	/* the real deadline: the real runs expire it, or leave it, as they did */
	if (c->delta == 0)
		return;

	/*
	 * Days of 24 hours (UTC calendar days): the trigger added its days in
	 * the writer's TimeZone, which the history does not keep, and the
	 * caller's must not change the result.
	 */
	if (pg_add_s64_overflow(deadline, (int64) c->delta * USECS_PER_DAY, &deadline) ||
		!IS_VALID_TIMESTAMP(deadline))
	{
		/* past the end of time: never; before its start: at the first run */
		if (c->delta > 0)
			return;
		deadline = MIN_TIMESTAMP;
	}
	at = ExpiryTime(r, now, deadline);
	if (at != DT_NOEND)
		HeapPush(r, at, c->id, c->version);
}

static void
Count(Replay *r, int manager, int metric, int side)
{
	r->managers[manager].count[metric][side]++;
}

/* The client's counted leave is no longer to come. */
static void
Unpend(Replay *r, ReplayClient *c)
{
	if (c->pending != 0)
	{
		r->managers[c->pending].pending--;
		c->pending = 0;
	}
}

/*
 * If the client holds a what-if slot and its next move at this time takes it
 * out of that worklist, the slot counts as free for the entries before it.
 */
static void
Pend(Replay *r, ReplayClient *c, const Event *group, const Event *e)
{
	const Event *next;

	if (e->next < 0 || c->status != WI_FOLLOWS || !c->in_state || c->manager == 0)
		return;
	next = &group[e->next];
	if (!next->from_in || next->from_manager != r->managers[c->manager].id ||
		(next->to_in && next->to_manager == next->from_manager))
		return;
	c->pending = c->manager;
	r->managers[c->manager].pending++;
}

/*
 * Clients' ids come from a sequence: those below this are looked up in an
 * array by id, which grows with the largest id seen.
 */
#define DIRECT_CLIENT_IDS	(INT64CONST(1) << 23)
#define CLIENT_CHUNK		4096

static ReplayClient *
ClientAt(const Replay *r, int32 slot)
{
	return &r->client_chunks[slot / CLIENT_CHUNK][slot % CLIENT_CHUNK];
}

/* The client of that id; if not seen yet, NULL, or a new one if create. */
static ReplayClient *
FindClient(Replay *r, int64 id, bool create)
{
	int32	   *direct = NULL;
	ClientEntry *entry = NULL;
	int32		slot;
	ReplayClient *c;

	if (id > 0 && id < DIRECT_CLIENT_IDS)
	{
		if (id >= r->direct_size)
		{
			int64		size = Max(r->direct_size * 2, CLIENT_CHUNK);

			if (!create)
				return NULL;
			while (size <= id)
				size *= 2;
			size = Min(size, DIRECT_CLIENT_IDS);
			r->client_direct = r->client_direct == NULL ?
				MemoryContextAllocHuge(r->context, sizeof(int32) * size) :
				repalloc_huge(r->client_direct, sizeof(int32) * size);
			memset(r->client_direct + r->direct_size, 0,
				   sizeof(int32) * (size - r->direct_size));
			r->direct_size = size;
		}
		direct = &r->client_direct[id];
		if (*direct != 0)
			return ClientAt(r, *direct - 1);
	}
	else
	{
		bool		found;

		entry = hash_search(r->client_hash, &id, create ? HASH_ENTER : HASH_FIND,
							&found);
		if (entry != NULL && found)
			return ClientAt(r, entry->slot);
	}
	if (!create)
		return NULL;

	slot = r->nclients++;
	if (slot / CLIENT_CHUNK == r->chunks_allocated)
	{
		r->chunks_allocated = Max(16, r->chunks_allocated * 2);
		r->client_chunks = r->client_chunks == NULL ?
			MemoryContextAlloc(r->context, sizeof(ReplayClient *) * r->chunks_allocated) :
			repalloc(r->client_chunks, sizeof(ReplayClient *) * r->chunks_allocated);
	}
	if (slot % CLIENT_CHUNK == 0)
		r->client_chunks[slot / CLIENT_CHUNK] =
			MemoryContextAlloc(r->context, sizeof(ReplayClient) * CLIENT_CHUNK);
	if (direct != NULL)
		*direct = slot + 1;
	else
		entry->slot = slot;

	c = ClientAt(r, slot);
	c->id = id;
	c->status = WI_FOLLOWS;
	c->in_state = false;
	c->manager = 0;
	c->version = 0;
	c->clock_runs = false;
	c->delta = 0;
	c->taken[0] = c->taken[1] = false;
	c->pending = 0;
	c->last_id = 0;
	c->reordered = false;
	c->now_size = -1;
	c->now_has_category = false;
	c->now_category = 0;
	return c;
}

static ReplayClient *
Client(Replay *r, int64 id)
{
	return FindClient(r, id, true);
}

/* The what-if expiries due before (or, inclusive, at) the time "at". */
static void
ExpireDue(Replay *r, TimestampTz at, bool inclusive)
{
	while (r->nheap > 0 &&
		   (r->heap[0].at < at || (inclusive && r->heap[0].at == at)))
	{
		Expiry		e = HeapPop(r);
		ReplayClient *c = FindClient(r, e.client, false);

		if (c == NULL || c->version != e.version || !c->in_state)
			continue;
		Unpend(r, c);
		if (c->manager != 0)
			ChangeHolds(&r->managers[c->manager], 1, -1, e.at);
		Count(r, c->manager, M_EXPIRED, 1);
		c->in_state = false;
		c->manager = 0;
		c->version++;
		c->status = c->status == WI_KEPT ? WI_OUT_UNKNOWN : WI_OUT_DEADLINE;
	}
}

static void
Taken(Replay *r, int manager, ReplayClient *c, int side)
{
	TakenKey	key = {r->managers[manager].id, c->id};
	TakenEntry *entry;
	bool		found;

	/* the total counts clients, as trial_report() does */
	if (!c->taken[side])
	{
		c->taken[side] = true;
		r->total_taken[side]++;
	}

	entry = hash_search(r->taken, &key, HASH_ENTER, &found);
	if (!found)
		entry->taken[0] = entry->taken[1] = false;
	if (!entry->taken[side])
	{
		entry->taken[side] = true;
		Count(r, manager, M_TAKEN, side);
	}
}


static void
ReplayMove(Replay *r, ReplayClient *c, const Event *e)
{
	int			from = ManagerIndex(r, e->from_manager);
	int			to = ManagerIndex(r, e->to_manager);
	bool		held = e->from_in && from != 0;
	bool		holds = e->to_in && to != 0;
	bool		leaves = held && !(holds && from == to);
	bool		enters = holds && !(held && from == to);

	Unpend(r, c);
	Clock(r, c, e);

	/* what really happened */
	if (leaves)
		ChangeHolds(&r->managers[from], 0, -1, e->at);
	if (enters)
	{
		ChangeHolds(&r->managers[to], 0, 1, e->at);
		Taken(r, to, c, 0);
	}
	if (e->is_deal)
		Count(r, to, M_DEALS, 0);
	if (e->by_expire)
		Count(r, to, M_EXPIRED, 0);

	/* what the what-if model makes of it */
	if (c->status == WI_KEPT)
		return;
	if (c->status != WI_FOLLOWS)
	{
		if (e->from_in)
		{
			/* still the worklist period the what-if ended */
			if (e->is_deal && c->status == WI_OUT_CAP)
				Count(r, to, M_LOST_CAP, 1);
			else if (e->is_deal && c->status == WI_OUT_DEADLINE)
				Count(r, to, M_LOST_DEADLINE, 1);
			return;
		}
		c->status = WI_FOLLOWS;
	}

	if (e->by_expire && e->from_in && !e->to_in && c->in_state)
	{
		if (c->delta != 0)
		{
			/* expired for real, not yet under the what-if deadlines */
			c->status = WI_KEPT;
			return;
		}
		/* the same deadline: expired when and where it really was */
		Count(r, c->manager, M_EXPIRED, 1);
	}
	/* the slot the client holds follows its real manager */
	if (c->manager != 0 && c->manager != (holds ? to : 0))
	{
		ChangeHolds(&r->managers[c->manager], 1, -1, e->at);
		c->manager = 0;
	}
	if (holds && c->manager != to)
	{
		Manager    *m = &r->managers[to];

		if (!m->active_wi || m->holds[1] - m->pending >= m->cap[1])
		{
			Count(r, to, m->active_wi ? M_REFUSED_CAP : M_REFUSED_INACTIVE, 1);
			c->status = WI_OUT_CAP;
			c->in_state = false;
			c->version++;
			return;
		}
		ChangeHolds(m, 1, 1, e->at);
		c->manager = to;
		Taken(r, to, c, 1);
	}
	if (e->is_deal)
		Count(r, to, M_DEALS, 1);
	if (!e->to_in)
	{
		if (c->in_state)
			c->version++;
		c->in_state = false;
		return;
	}
	c->in_state = true;
	if (e->has_deadline)
		SetDeadline(r, c, e->at, e->deadline);
}


static int
CompareEvents(const void *a, const void *b)
{
	int64		x = ((const Event *) a)->id;
	int64		y = ((const Event *) b)->id;

	return x < y ? -1 : x > y ? 1 : 0;
}

static const Event *sort_events;

static int
CompareByClient(const void *a, const void *b)
{
	const Event *x = &sort_events[*(const int *) a];
	const Event *y = &sort_events[*(const int *) b];

	if (x->client != y->client)
		return x->client < y->client ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

/*
 * One time's events in the order they happened, each client's next event at
 * that time known; first the slots its clients will free at that time.
 */
static void
ReplayGroup(Replay *r, Event *events, int n)
{
	bool		expired_yet = false;
	bool	   *first;
	ReplayClient **clients;

	if (n == 0)
		return;
	qsort(events, n, sizeof(Event), CompareEvents);
	clients = palloc(sizeof(ReplayClient *) * n);
	for (int i = 0; i < n; i++)
		clients[i] = Client(r, events[i].client);
	first = palloc(sizeof(bool) * n);
	for (int i = 0; i < n; i++)
	{
		events[i].next = -1;
		first[i] = true;
	}
	if (n > 1)
	{
		int		   *order = palloc(sizeof(int) * n);

		for (int i = 0; i < n; i++)
			order[i] = i;
		sort_events = events;
		qsort(order, n, sizeof(int), CompareByClient);
		for (int i = 0; i + 1 < n; i++)
			if (events[order[i]].client == events[order[i + 1]].client)
			{
				events[order[i]].next = order[i + 1];
				first[order[i + 1]] = false;
			}
		pfree(order);
	}
	ExpireDue(r, events[0].at, false);
	for (int i = 0; i < n; i++)
	{
		Event		before;

		if (!first[i])
			continue;
		/* as if just before its first move here */
		before = events[i];
		before.next = i;
		Pend(r, clients[i], events, &before);
	}
	pfree(first);
	for (int i = 0; i < n; i++)
	{
		/* a run of sales_expire() at this time expires what is due by it */
		if (events[i].by_expire && !expired_yet)
		{
			ExpireDue(r, events[i].at, true);
			expired_yet = true;
		}
		ReplayMove(r, clients[i], &events[i]);
		Pend(r, clients[i], events, &events[i]);
	}
	pfree(clients);
#ifdef USE_ASSERT_CHECKING
	for (int i = 0; i < r->nmanagers; i++)
		Assert(r->managers[i].pending == 0);
#endif
}

/* A history row as the replay reads it. */
static void
EventOfRow(const HistoryRow *row, Event *e)
{
	e->id = row->id;
	e->client = row->client_id;
	e->at = row->changed_at;
	e->from_in = row->from_state != HISTORY_NONE &&
		ClientStateInWorklist((ClientState) row->from_state);
	e->to_in = row->to_state != HISTORY_NONE &&
		ClientStateInWorklist((ClientState) row->to_state);
	e->from_manager = row->has_from_manager ? row->from_manager : 0;
	e->to_manager = row->has_to_manager ? row->to_manager : 0;
	e->has_deadline = row->has_deadline;
	e->deadline = row->deadline_at;
	e->is_deal = row->to_state == CLIENT_STATE_DEAL &&
		row->from_state != CLIENT_STATE_DEAL;
	e->by_expire = row->source == HISTORY_SOURCE_SALES_EXPIRE;
	/* after the change; before it, for a deletion; now, before 1.2 */
	e->size_now = false;
	if (row->to_size != HISTORY_NONE)
	{
		e->size = row->to_size;
		e->has_category = row->has_to_category;
		e->category = row->to_category;
	}
	else if (row->from_size != HISTORY_NONE)
	{
		e->size = row->from_size;
		e->has_category = row->has_from_category;
		e->category = row->from_category;
	}
	else
	{
		e->size = -1;
		e->has_category = false;
		e->category = 0;
		e->size_now = true;
	}
	e->next = -1;
}

static void
DeconstructInts(ArrayType *array, int n, int *out, int missing)
{
	Datum	   *values;
	bool	   *nulls;
	int			count;

	deconstruct_array(array, INT4OID, 4, true, TYPALIGN_INT, &values, &nulls, &count);
	if (count != n)
		elog(ERROR, "what_if_replay: arrays of different lengths");
	for (int i = 0; i < n; i++)
		out[i] = nulls[i] ? missing : DatumGetInt32(values[i]);
}

static void
LoadModels(Replay *r, FunctionCallInfo fcinfo)
{
	ArrayType  *ids = PG_GETARG_ARRAYTYPE_P(2);
	Datum	   *values;
	bool	   *nulls;
	int			n;
	int		   *caps[2];
	bool	   *active;
	Datum	   *sizes;
	bool	   *size_nulls;
	Datum	   *categories;
	bool	   *category_nulls;
	HASHCTL		ctl;

	r->default_cap[0] = PG_GETARG_INT32(6);
	r->default_cap[1] = PG_GETARG_INT32(7);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ManagerEntry);
	ctl.hcxt = CurrentMemoryContext;
	r->manager_index = hash_create("salesalgo what-if managers", 64, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	r->direct = palloc0(sizeof(int) * DIRECT_MANAGER_IDS);
	deconstruct_array(ids, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &values, &nulls, &n);
	caps[0] = palloc(sizeof(int) * Max(n, 1));
	caps[1] = palloc(sizeof(int) * Max(n, 1));
	DeconstructInts(PG_GETARG_ARRAYTYPE_P(3), n, caps[0], r->default_cap[0]);
	DeconstructInts(PG_GETARG_ARRAYTYPE_P(4), n, caps[1], r->default_cap[1]);
	{
		Datum	   *flags;
		bool	   *flag_nulls;
		int			count;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(5), BOOLOID, 1, true, TYPALIGN_CHAR,
						  &flags, &flag_nulls, &count);
		if (count != n)
			elog(ERROR, "what_if_replay: arrays of different lengths");
		active = palloc(sizeof(bool) * Max(n, 1));
		for (int i = 0; i < n; i++)
			active[i] = flag_nulls[i] || DatumGetBool(flags[i]);
	}

	r->allocated = n + 16;
	r->managers = palloc0(sizeof(Manager) * r->allocated);
	r->nmanagers = 1;			/* index 0: no manager */
	for (int i = 0; i < n; i++)
	{
		int			index = ManagerIndex(r, DatumGetInt64(values[i]));

		r->managers[index].cap[0] = caps[0][i];
		r->managers[index].cap[1] = caps[1][i];
		r->managers[index].active_wi = active[i];
	}

	deconstruct_array(PG_GETARG_ARRAYTYPE_P(8), TEXTOID, -1, false, TYPALIGN_INT,
					  &sizes, &size_nulls, &r->nrules);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(9), INT8OID, 8, FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &categories, &category_nulls, &n);
	if (n != r->nrules)
		elog(ERROR, "what_if_replay: arrays of different lengths");
	r->rule_size = palloc(sizeof(int) * Max(n, 1));
	r->rule_has_category = palloc(sizeof(bool) * Max(n, 1));
	r->rule_category = palloc(sizeof(int64) * Max(n, 1));
	r->rule_days[0] = palloc(sizeof(int) * Max(n, 1));
	r->rule_days[1] = palloc(sizeof(int) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		r->rule_size[i] = size_nulls[i] ? -1 : SizeCode(TextDatumGetCString(sizes[i]));
		r->rule_has_category[i] = !category_nulls[i];
		r->rule_category[i] = category_nulls[i] ? 0 : DatumGetInt64(categories[i]);
	}
	DeconstructInts(PG_GETARG_ARRAYTYPE_P(10), n, r->rule_days[0], -1);
	DeconstructInts(PG_GETARG_ARRAYTYPE_P(11), n, r->rule_days[1], -1);
	for (int i = 0; i < n; i++)
		r->sizes_needed |= r->rule_days[0][i] != r->rule_days[1][i];
}

static void
LoadRuns(Replay *r, Datum from_ts, Datum to_ts)
{
	Oid			types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		args[2] = {from_ts, to_ts};
	bool		isnull;

	if (SPI_execute_with_args(
							  "SELECT x.t, x.as_of FROM ("
							  " SELECT DISTINCT h.changed_at AS t, h.changed_at AS as_of"
							  " FROM salesalgo.client_history AS h"
							  " WHERE h.source OPERATOR(pg_catalog.=) 'sales_expire'"
							  " AND h.changed_at OPERATOR(pg_catalog.>=) $1"
							  " AND h.changed_at OPERATOR(pg_catalog.<) $2"
							  " UNION"
							  " SELECT e.run_at, e.as_of FROM salesalgo.expire_runs AS e"
							  " WHERE e.run_at OPERATOR(pg_catalog.>=) $1"
							  " AND e.run_at OPERATOR(pg_catalog.<) $2) AS x"
							  " ORDER BY x.t, x.as_of",
							  2, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "what_if_replay: reading the sales_expire runs failed");
	r->nruns = (int) SPI_processed;
	r->run_at = palloc(sizeof(TimestampTz) * Max(r->nruns, 1));
	r->run_as_of = palloc(sizeof(TimestampTz) * Max(r->nruns, 1));
	r->run_as_of_max = palloc(sizeof(TimestampTz) * Max(r->nruns, 1));
	for (int i = 0; i < r->nruns; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;

		r->run_at[i] = DatumGetTimestampTz(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		r->run_as_of[i] = DatumGetTimestampTz(SPI_getbinval(tuple, tupdesc, 2, &isnull));
		r->run_as_of_max[i] = i == 0 ? r->run_as_of[i] :
			Max(r->run_as_of_max[i - 1], r->run_as_of[i]);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* The columns the replay reads: sizes and categories where the rules differ. */
static int
ReplayColumns(const Replay *r)
{
	return HISTORY_STATES | HISTORY_MANAGERS | HISTORY_DEADLINE | HISTORY_SOURCE |
		(r->sizes_needed ? HISTORY_SIZES | HISTORY_CATEGORIES : 0);
}

/* The client holds a slot of its manager (0: none) from from_ts on. */
static void
OpenSlot(Replay *r, ReplayClient *c, int64 manager_id, TimestampTz from)
{
	int			m = ManagerIndex(r, manager_id);

	c->in_state = true;
	c->manager = m;
	if (m != 0)
	{
		ChangeHolds(&r->managers[m], 0, 1, from);
		ChangeHolds(&r->managers[m], 1, 1, from);
	}
}

/* The clock of a client in work at from_ts, as "opening" says it ran then. */
static void
OpenClock(Replay *r, ReplayClient *c, const Event *opening)
{
	Clock(r, c, opening);
	if (opening->has_deadline)
		SetDeadline(r, c, opening->at, opening->deadline);
}

/*
 * The deadlines of the openings marked in "lookups": each one's row before
 * its first change since from_ts, by the index on (client_id, id), in one
 * query.
 */
static void
LookUpDeadlines(Event *openings, int n, const bool *lookups)
{
	Datum	   *clients = palloc(sizeof(Datum) * n);
	Datum	   *ids = palloc(sizeof(Datum) * n);
	int		   *which = palloc(sizeof(int) * n);
	int			count = 0;
	Oid			types[2] = {INT8ARRAYOID, INT8ARRAYOID};
	Datum		args[2];

	for (int i = 0; i < n; i++)
		if (lookups[i])
		{
			clients[count] = Int64GetDatum(openings[i].client);
			ids[count] = Int64GetDatum(openings[i].id);
			which[count++] = i;
		}
	args[0] = PointerGetDatum(construct_array(clients, count, INT8OID, 8,
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[1] = PointerGetDatum(construct_array(ids, count, INT8OID, 8,
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_execute_with_args(
							  "SELECT x.n, (SELECT b.deadline_at FROM salesalgo.client_history AS b"
							  "  WHERE b.client_id OPERATOR(pg_catalog.=) x.c"
							  "  AND b.id OPERATOR(pg_catalog.<) x.f"
							  "  ORDER BY b.id DESC LIMIT 1)"
							  " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))"
							  " WITH ORDINALITY AS x(c, f, n)",
							  2, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "what_if_replay: reading the deadlines at from_ts failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		n1 = DatumGetInt64(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		Datum		deadline = SPI_getbinval(tuple, tupdesc, 2, &isnull);
		Event	   *e = &openings[which[n1 - 1]];

		e->has_deadline = !isnull;
		e->deadline = isnull ? 0 : DatumGetTimestampTz(deadline);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* the clocks of the clients in work at from_ts, as their first change says */
typedef struct Openings
{
	Event	   *events;
	bool	   *lookups;		/* the deadline then is the row's before */
	int			n;
	int			allocated;
	int			nlookups;
} Openings;

/*
 * A client in work at from_ts, as the from side of "row", its first change
 * since, says: the slot it holds and, where the deadline rules differ, what
 * its clock was then.
 */
static void
OpenFromRow(Replay *r, ReplayClient *c, const HistoryRow *row,
			TimestampTz from, Openings *o)
{
	Event		e;

	EventOfRow(row, &e);
	if (!e.from_in)
		return;
	OpenSlot(r, c, e.from_manager, from);
	if (!r->sizes_needed)
		return;

	/* what the client was at from_ts, and until this change */
	if (o->n == o->allocated)
	{
		o->allocated = Max(1024, o->allocated * 2);
		o->events = o->events == NULL ? palloc(sizeof(Event) * o->allocated) :
			repalloc_huge(o->events, sizeof(Event) * o->allocated);
		o->lookups = o->lookups == NULL ? palloc(sizeof(bool) * o->allocated) :
			repalloc_huge(o->lookups, sizeof(bool) * o->allocated);
	}
	e.at = from;
	e.to_in = true;
	e.to_manager = e.from_manager;
	if (row->from_size != HISTORY_NONE)
	{
		e.size = row->from_size;
		e.has_category = row->has_from_category;
		e.category = row->from_category;
		e.size_now = false;
	}
	/* the clock ran on through this change: its deadline is the one then */
	if (!(row->has_from_manager && row->to_state != HISTORY_NONE &&
		  ClientStateInWorklist((ClientState) row->to_state) &&
		  row->has_deadline && row->source != HISTORY_SOURCE_EXTEND_DEADLINE))
	{
		e.has_deadline = false;
		o->lookups[o->n] = true;
		o->nlookups++;
	}
	else
		o->lookups[o->n] = false;
	o->events[o->n++] = e;
}

static int
CompareDelayed(const void *a, const void *b)
{
	const Event *x = (const Event *) a;
	const Event *y = (const Event *) b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

/*
 * The clients with a row dated before a row of a lower id (a statement that
 * waited on the row lock of the change before it, or the simulated clock
 * set back): replayed in id order, each row at its own time or, if earlier,
 * at its client's previous row's, else the replay sees a change undone
 * before it was made.  Their opening is the first row so placed at or after
 * from_ts, and their rows in [from_ts, to_ts) wait in r->delayed for the
 * period's pass, which skips them where they are.
 */
static void
ReorderClients(Replay *r, const int64 *ids, int n, TimestampTz from,
			   TimestampTz to, Openings *o)
{
	HistoryReader *reader = NULL;
	int			allocated = 64;

	r->delayed = palloc(sizeof(Event) * allocated);
	for (int i = 0; i < n; i++)
	{
		ReplayClient *c = FindClient(r, ids[i], false);
		const HistoryRow *row;
		TimestampTz at = DT_NOBEGIN;
		bool		opened = false;

		/* undo the opening made from its first row in time */
		if (c->in_state && c->manager != 0)
		{
			ChangeHolds(&r->managers[c->manager], 0, -1, from);
			ChangeHolds(&r->managers[c->manager], 1, -1, from);
		}
		c->in_state = false;
		c->manager = 0;
		for (int k = 0; k < o->n; k++)
			if (o->events[k].client == c->id)
			{
				o->nlookups -= o->lookups[k] ? 1 : 0;
				o->events[k] = o->events[o->n - 1];
				o->lookups[k] = o->lookups[o->n - 1];
				o->n--;
				break;
			}

		if (reader == NULL)
			reader = BeginClientHistory(c->id, ReplayColumns(r));
		else
			RestartClientHistory(reader, c->id);
		while ((row = NextHistoryRow(reader)) != NULL)
		{
			at = Max(at, row->changed_at);
			if (at < from)
				continue;
			if (!opened)
			{
				OpenFromRow(r, c, row, from, o);
				opened = true;
			}
			if (at >= to)
				break;
			if (r->ndelayed == allocated)
			{
				allocated *= 2;
				r->delayed = repalloc_huge(r->delayed, sizeof(Event) * allocated);
			}
			EventOfRow(row, &r->delayed[r->ndelayed]);
			r->delayed[r->ndelayed++].at = at;
		}
	}
	if (reader != NULL)
		EndHistoryRead(reader);
	qsort(r->delayed, r->ndelayed, sizeof(Event), CompareDelayed);
}

/*
 * The clients in a worklist at from_ts and the slots they hold: those whose
 * first change since (in time order) is made from a worklist state, in one
 * pass over the history from from_ts on, and those unchanged since that are
 * in one now, from the client table.  Where the deadline rules differ, also
 * each one's deadline then and the size and category it had then (the
 * "from" side of that first change; the client table's for the others, and
 * for rows written before 1.2).  The deadline then is that first change's,
 * unless the change stops the clock or moves the deadline: then it is the
 * row's before it, one look-up by the client's key for each such client.
 */
static void
LoadOpening(Replay *r, TimestampTz from, TimestampTz to)
{
	HistoryReader *reader;
	const HistoryRow *row;
	Openings	o = {0};
	int64	   *reordered = NULL;
	int			nreordered = 0;
	int			reordered_size = 0;
	SPIPlanPtr	plan;
	Portal		portal;

	reader = BeginHistoryPeriod(from, DT_NOEND, ReplayColumns(r));
	while ((row = NextHistoryRow(reader)) != NULL)
	{
		ReplayClient *c;

		/* a row written before 1.2: sizes and categories from the clients */
		if (r->sizes_needed && row->from_size == HISTORY_NONE &&
			row->to_size == HISTORY_NONE)
			r->old_rows = true;
		c = FindClient(r, row->client_id, false);
		if (c != NULL)
		{
			if (row->id < c->last_id && !c->reordered)
			{
				c->reordered = true;
				if (nreordered == reordered_size)
				{
					reordered_size = Max(64, reordered_size * 2);
					reordered = reordered == NULL ?
						palloc(sizeof(int64) * reordered_size) :
						repalloc(reordered, sizeof(int64) * reordered_size);
				}
				reordered[nreordered++] = c->id;
			}
			c->last_id = Max(c->last_id, row->id);
			continue;
		}
		c = Client(r, row->client_id);
		c->last_id = row->id;
		OpenFromRow(r, c, row, from, &o);
	}
	EndHistoryRead(reader);
	if (nreordered > 0)
		ReorderClients(r, reordered, nreordered, from, to, &o);

	/*
	 * The client table: the clients unchanged since from_ts that are in work
	 * now, and, for rows written before 1.2, every client's size and category.
	 */
	plan = SPI_prepare(r->old_rows ?
					   "SELECT c.id, salesalgo.in_worklist(c.state), c.manager_id,"
					   " c.deadline_at, c.size, c.category_id FROM salesalgo.client AS c" :
					   "SELECT c.id, true, c.manager_id, c.deadline_at, c.size, c.category_id"
					   " FROM salesalgo.client AS c WHERE salesalgo.in_worklist(c.state)",
					   0, NULL);
	if (plan == NULL)
		elog(ERROR, "what_if_replay: SPI_prepare failed: %s",
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			TupleDesc	tupdesc = SPI_tuptable->tupdesc;
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(tuple, tupdesc, 1, &isnull));
			bool		in_work = DatumGetBool(SPI_getbinval(tuple, tupdesc, 2, &isnull));
			Datum		manager = SPI_getbinval(tuple, tupdesc, 3, &isnull);
			bool		no_manager = isnull;
			Datum		deadline = SPI_getbinval(tuple, tupdesc, 4, &isnull);
			bool		no_deadline = isnull;
			ReplayClient *c = FindClient(r, id, false);
			bool		unchanged = (c == NULL);
			Datum		category;

			if (unchanged)
			{
				if (!in_work)
					continue;
				c = Client(r, id);
				OpenSlot(r, c, no_manager ? 0 : DatumGetInt64(manager), from);
			}
			else if (!r->old_rows)
				continue;
			c->now_size = DatumGetClientSize(SPI_getbinval(tuple, tupdesc, 5, &isnull));
			category = SPI_getbinval(tuple, tupdesc, 6, &isnull);
			c->now_has_category = !isnull;
			c->now_category = isnull ? 0 : DatumGetInt64(category);
			if (unchanged && r->sizes_needed && !no_deadline)
			{
				Event		e;

				/* its clock and its size then are those it has now */
				memset(&e, 0, sizeof(Event));
				e.client = id;
				e.at = from;
				e.to_in = true;
				e.has_deadline = true;
				e.deadline = DatumGetTimestampTz(deadline);
				e.size_now = true;
				OpenClock(r, c, &e);
			}
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);

	if (o.nlookups > 0)
		LookUpDeadlines(o.events, o.n, o.lookups);
	for (int i = 0; i < o.n; i++)
		OpenClock(r, FindClient(r, o.events[i].client, false),
				  &o.events[i]);
}

/* appends e to the group of its time, replaying the group before if another */
static void
AddEvent(Replay *r, Event **group, int *ngroup, int *allocated, const Event *e)
{
	if (*ngroup > 0 && e->at != (*group)[0].at)
	{
		ReplayGroup(r, *group, *ngroup);
		*ngroup = 0;
	}
	if (*ngroup == *allocated)
	{
		*allocated *= 2;
		*group = repalloc_huge(*group, sizeof(Event) * *allocated);
	}
	(*group)[(*ngroup)++] = *e;
}

static void
ReplayPeriod(Replay *r, TimestampTz from, TimestampTz to)
{
	HistoryReader *reader;
	const HistoryRow *row;
	Event	   *group;
	int			ngroup = 0;
	int			allocated = 1024;
	int			next_delayed = 0;

	/*
	 * In time order, one time's rows in order of their ids; the reordered
	 * clients' rows merged in at their own replay times.
	 */
	group = palloc(sizeof(Event) * allocated);
	reader = BeginHistoryPeriod(from, to, ReplayColumns(r));
	while ((row = NextHistoryRow(reader)) != NULL)
	{
		Event		e;

		if (r->ndelayed > 0)
		{
			ReplayClient *c = FindClient(r, row->client_id, false);

			if (c != NULL && c->reordered)
				continue;
			while (next_delayed < r->ndelayed &&
				   r->delayed[next_delayed].at <= row->changed_at)
				AddEvent(r, &group, &ngroup, &allocated,
						 &r->delayed[next_delayed++]);
		}
		EventOfRow(row, &e);
		AddEvent(r, &group, &ngroup, &allocated, &e);
	}
	EndHistoryRead(reader);
	while (next_delayed < r->ndelayed)
		AddEvent(r, &group, &ngroup, &allocated, &r->delayed[next_delayed++]);
	ReplayGroup(r, group, ngroup);
	ExpireDue(r, to, false);
}

static Datum
NumericOfDouble(double value)
{
	return DirectFunctionCall2(numeric_round,
							   DirectFunctionCall1(float8_numeric, Float8GetDatum(value)),
							   Int32GetDatum(8));
}

static void
PutRow(Tuplestorestate *store, TupleDesc tupdesc, int64 manager_id, int ord,
	   const char *metric, Datum actual, Datum what_if)
{
	Datum		values[5];
	bool		nulls[5] = {manager_id == 0, false, false, false, false};

	values[0] = Int64GetDatum(manager_id);
	values[1] = Int32GetDatum(ord);
	values[2] = CStringGetTextDatum(metric);
	values[3] = actual;
	values[4] = what_if;
	tuplestore_putvalues(store, tupdesc, values, nulls);
}

static void
PutManager(Tuplestorestate *store, TupleDesc tupdesc, int64 id,
		   int64 count[M_COUNTS][2], double area[2], double cap[2], double days)
{
	int			ord = 0;

	for (int k = 0; k < M_COUNTS; k++)
		PutRow(store, tupdesc, id, ord++, metric_names[k],
			   DirectFunctionCall1(int8_numeric, Int64GetDatum(count[k][0])),
			   DirectFunctionCall1(int8_numeric, Int64GetDatum(count[k][1])));
	PutRow(store, tupdesc, id, ord++, "slot_days",
		   NumericOfDouble(area[0] / USECS_PER_DAY),
		   NumericOfDouble(area[1] / USECS_PER_DAY));
	PutRow(store, tupdesc, id, ord++, "avg_load",
		   NumericOfDouble(cap[0] > 0 ? area[0] / USECS_PER_DAY / days / cap[0] : 0),
		   NumericOfDouble(cap[1] > 0 ? area[1] / USECS_PER_DAY / days / cap[1] : 0));
}

static int
CompareManagers(const void *a, const void *b)
{
	int64		x = ((const Manager *) a)->id;
	int64		y = ((const Manager *) b)->id;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * what_if_replay(from_ts, to_ts, manager_ids, caps, what_if_caps,
 *				  what_if_active, default_cap, what_if_default_cap,
 *				  rule_sizes, rule_categories, rule_days, what_if_rule_days)
 *	 -> (manager_id, ord, metric, actual, what_if)
 *
 * The arrays are the two models, as salesalgo.what_if() reads them.
 */
PG_FUNCTION_INFO_V1(what_if_replay);
Datum
what_if_replay(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		from_ts = PG_GETARG_DATUM(0);
	Datum		to_ts = PG_GETARG_DATUM(1);
	TimestampTz to = PG_GETARG_TIMESTAMPTZ(1);
	double		days;
	Replay		r;
	HASHCTL		ctl;
	MemoryContext replay_context;
	MemoryContext oldcontext;
	int64		total[M_COUNTS][2] = {{0}};
	double		total_area[2] = {0, 0};
	double		total_cap[2] = {0, 0};

	for (int i = 0; i < 12; i++)
		if (PG_ARGISNULL(i))
			elog(ERROR, "what_if_replay: argument %d is NULL", i + 1);
	InitMaterializedSRF(fcinfo, 0);
	days = ((double) to - (double) PG_GETARG_TIMESTAMPTZ(0)) / USECS_PER_DAY;

	replay_context = AllocSetContextCreate(CurrentMemoryContext,
										   "salesalgo what-if replay",
										   ALLOCSET_DEFAULT_SIZES);
	oldcontext = MemoryContextSwitchTo(replay_context);
	memset(&r, 0, sizeof(r));
	LoadModels(&r, fcinfo);
	memset(&ctl, 0, sizeof(ctl));
	r.context = replay_context;
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ClientEntry);
	ctl.hcxt = replay_context;
	r.client_hash = hash_create("salesalgo what-if clients", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(TakenKey);
	ctl.entrysize = sizeof(TakenEntry);
	r.taken = hash_create("salesalgo what-if entries", 4096, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	r.heap_allocated = 1024;
	r.heap = palloc(sizeof(Expiry) * r.heap_allocated);
	for (int i = 0; i < r.nmanagers; i++)
		r.managers[i].since[0] = r.managers[i].since[1] =
			PG_GETARG_TIMESTAMPTZ(0);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "what_if_replay: SPI_connect failed");
	LoadRuns(&r, from_ts, to_ts);
	LoadOpening(&r, DatumGetTimestampTz(from_ts), to);
	ReplayPeriod(&r, DatumGetTimestampTz(from_ts), to);
	SPI_finish();

	/* still kept at the end: expiries the what-if model avoided */
	for (int i = 0; i < r.nclients; i++)
	{
		ReplayClient *c = ClientAt(&r, i);

		if (c->status == WI_KEPT && c->in_state)
			Count(&r, c->manager, M_EXPIRIES_AVOIDED, 1);
	}

	MemoryContextSwitchTo(oldcontext);
	total[M_TAKEN][0] = r.total_taken[0];
	total[M_TAKEN][1] = r.total_taken[1];
	qsort(r.managers + 1, r.nmanagers - 1, sizeof(Manager), CompareManagers);
	for (int i = 0; i < r.nmanagers; i++)
	{
		Manager    *m = &r.managers[i];
		double		cap[2] = {m->cap[0], m->cap[1]};

		for (int side = 0; side < 2; side++)
			ChangeHolds(m, side, 0, to);
		for (int k = M_TAKEN + 1; k < M_COUNTS; k++)
			for (int side = 0; side < 2; side++)
				total[k][side] += m->count[k][side];
		if (m->id == 0)
			continue;
		for (int side = 0; side < 2; side++)
		{
			total_area[side] += m->area[side];
			total_cap[side] += cap[side];
		}
		PutManager(rsinfo->setResult, rsinfo->setDesc, m->id, m->count,
				   m->area, cap, days);
	}
	PutManager(rsinfo->setResult, rsinfo->setDesc, 0, total, total_area,
			   total_cap, days);
	MemoryContextDelete(replay_context);
	return (Datum) 0;
}
