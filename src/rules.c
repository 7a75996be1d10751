/*
 * rules.c
 *	  A per-backend cache of the rule tables.
 *
 * The triggers consult the rules for every row, so they are read once into
 * backend memory and kept there until a rule table changes.  A statement
 * trigger on each rule table (config_changed) sends a relcache invalidation
 * for it, which every backend receives when the writing transaction commits
 * and the writing backend at its next command; the callback below then
 * marks the cache stale.  The cache is rebuilt from the latest committed
 * state, not the reader's snapshot: a REPEATABLE READ transaction that
 * rebuilt from its old snapshot would keep yesterday's rules after it ends.
 *
 * Each load is a version of its own that never changes, and a statement
 * pins the version it started with (statement.c): a reload in the middle
 * of a statement makes a new version for later statements and leaves the
 * running one's rules as they were.  A version goes when the cache and the
 * last statement pinned to it let go of it.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/sinval.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "owner.h"
#include "rules.h"
#include "sizes.h"
#include "statement.h"

/* days[CLIENT_SIZE_COUNT] is the rule for any size */
#define ANY_SIZE	CLIENT_SIZE_COUNT

typedef struct CategoryDays
{
	int64		category_id;	/* hash key */
	int			days[CLIENT_SIZE_COUNT + 1];	/* 0: no rule */
} CategoryDays;

typedef struct RefusalReason
{
	char	   *code;
	bool		hard;
} RefusalReason;

/* size_rule and category.in_profile from 1.2 on (sizes.c) */
static const char *const rule_tables[] = {
	"transition_rule", "deadline_rule", "refusal_reason", "settings",
	"size_rule", "category"
};

/* What a version holds besides the public fields, in its own memory. */
typedef struct RulesData
{
	MemoryContext context;
	int			pins;			/* the cache's own, and one a statement */
	int			default_days[CLIENT_SIZE_COUNT + 1];
	HTAB	   *category_days;
	RefusalReason *reasons;
	int			nreasons;
} RulesData;

/* The newest version, unless a rule table changed since it was loaded. */
static SalesRules *latest = NULL;
static Oid	rule_table_oids[lengthof(rule_tables)];
static bool rules_valid = false;
static uint64 invalidations = 0;

static void
RulesInvalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid)
	{
		rules_valid = false;
		invalidations++;
		return;
	}
	for (int i = 0; i < (int) lengthof(rule_table_oids); i++)
	{
		if (rule_table_oids[i] == relid)
		{
			rules_valid = false;
			invalidations++;
			return;
		}
	}
}

void
InitRulesCache(void)
{
	CacheRegisterRelcacheCallback(RulesInvalidate, (Datum) 0);
}

/* Runs a query over a rule table as of the latest committed state. */
void
QueryLatest(const char *sql)
{
	SPIPlanPtr	plan = SPI_prepare(sql, 0, NULL);
	Snapshot	snapshot;
	int			ret;

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	ret = SPI_execute_snapshot(plan, NULL, NULL, snapshot, InvalidSnapshot,
							   true, false, 0);
	UnregisterSnapshot(snapshot);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_snapshot failed for \"%s\": %s",
			 sql, SPI_result_code_string(ret));
	SPI_freeplan(plan);
}

static Datum
GetColumn(int row, int column, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						 column, isnull);
}

static void
LoadTransitions(SalesRules *rules)
{
	QueryLatest("SELECT from_state, to_state FROM salesalgo.transition_rule");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		from_null;
		bool		to_null;
		Datum		from = GetColumn(i, 1, &from_null);
		ClientState to = DatumGetClientState(GetColumn(i, 2, &to_null));

		if (from_null)
			rules->may_create[to] = true;
		else
			rules->may_move[DatumGetClientState(from)][to] = true;
	}
}

static void
LoadDeadlines(RulesData *data)
{
	HASHCTL		ctl = {0};

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(CategoryDays);
	ctl.hcxt = data->context;
	data->category_days = hash_create("salesalgo deadline rules", 16, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	QueryLatest("SELECT size, category_id, days FROM salesalgo.deadline_rule");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		size_null;
		bool		category_null;
		bool		days_null;
		Datum		size = GetColumn(i, 1, &size_null);
		Datum		category = GetColumn(i, 2, &category_null);
		int			days = DatumGetInt32(GetColumn(i, 3, &days_null));
		int			slot = size_null ? ANY_SIZE : DatumGetClientSize(size);

		if (category_null)
			data->default_days[slot] = days;
		else
		{
			int64		category_id = DatumGetInt64(category);
			bool		found;
			CategoryDays *entry = hash_search(data->category_days, &category_id,
											  HASH_ENTER, &found);

			if (!found)
				memset(entry->days, 0, sizeof(entry->days));
			entry->days[slot] = days;
		}
	}
}

static void
LoadReasons(RulesData *data)
{
	QueryLatest("SELECT code, hard FROM salesalgo.refusal_reason");
	data->nreasons = SPI_processed;
	data->reasons = MemoryContextAlloc(data->context,
									   sizeof(RefusalReason) * Max(data->nreasons, 1));
	for (int i = 0; i < data->nreasons; i++)
	{
		bool		isnull;

		data->reasons[i].code = MemoryContextStrdup(data->context,
													TextDatumGetCString(GetColumn(i, 1, &isnull)));
		data->reasons[i].hard = DatumGetBool(GetColumn(i, 2, &isnull));
	}
}

static void
LoadSettings(SalesRules *rules)
{
	bool		isnull;
	Datum		reason;

	QueryLatest("SELECT default_worklist_cap, expire_state, expire_reason,"
				" expire_batch_size, notify_events FROM salesalgo.settings");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("salesalgo.settings must hold exactly one row, not " UINT64_FORMAT,
						SPI_processed)));
	rules->default_worklist_cap = DatumGetInt32(GetColumn(0, 1, &isnull));
	rules->expire_state = DatumGetClientState(GetColumn(0, 2, &isnull));
	reason = GetColumn(0, 3, &isnull);
	rules->expire_reason = isnull ? NULL :
		MemoryContextStrdup(rules->data->context, TextDatumGetCString(reason));
	rules->expire_batch_size = DatumGetInt32(GetColumn(0, 4, &isnull));
	rules->notify_events = DatumGetBool(GetColumn(0, 5, &isnull));
}

/* A new version of the rules, as the rule tables stand committed now. */
static SalesRules *
LoadRules(void)
{
	Oid			namespace = get_namespace_oid("salesalgo", false);
	MemoryContext context = AllocSetContextCreate(CacheMemoryContext,
												  "salesalgo rules",
												  ALLOCSET_SMALL_SIZES);
	SalesRules *rules = MemoryContextAllocZero(context, sizeof(SalesRules));
	Oid			saved_userid;
	int			saved_context;

	rules->data = MemoryContextAllocZero(context, sizeof(RulesData));
	rules->data->context = context;
	rules->data->pins = 1;

	for (int i = 0; i < (int) lengthof(rule_tables); i++)
		rule_table_oids[i] = get_relname_relid(rule_tables[i], namespace);

	/*
	 * Read as the rule tables' owner: a manager needs no privilege on the
	 * rules that bind it, and row-level security must not hide any.
	 */
	PG_TRY();
	{
		BecomeOwner(RelationOwner(rule_table_oids[0]), &saved_userid, &saved_context);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		LoadTransitions(rules);
		LoadDeadlines(rules->data);
		LoadReasons(rules->data);
		LoadSettings(rules);
		LoadSizeRules(rules, context);
		SPI_finish();
		SetUserIdAndSecContext(saved_userid, saved_context);
	}
	PG_CATCH();
	{
		MemoryContextDelete(context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return rules;
}

/*
 * The newest version, pinned until UnpinSalesRules(): a change committed
 * meanwhile makes a new version for later statements and leaves this one
 * as it is.
 */
const SalesRules *
PinSalesRules(void)
{
	/* take any committed change to the rules before answering */
	AcceptInvalidationMessages();
	while (!rules_valid || latest == NULL)
	{
		uint64		before = invalidations;
		SalesRules *loaded = LoadRules();

		if (latest != NULL)
			UnpinSalesRules(latest);
		latest = loaded;
		rules_valid = (invalidations == before);
	}
	latest->data->pins++;
	return latest;
}

void
UnpinSalesRules(const SalesRules *rules)
{
	if (--rules->data->pins == 0)
		MemoryContextDelete(rules->data->context);
}

/*
 * The days a client of this size and category may stay in a worklist: the
 * most specific rule wins.  0 when no rule applies.
 */
int
DeadlineDays(const SalesRules *rules, ClientSize size, bool has_category,
			 int64 category_id)
{
	const RulesData *data = rules->data;
	CategoryDays *entry = NULL;

	if (has_category)
		entry = hash_search(data->category_days, &category_id, HASH_FIND, NULL);
	if (entry != NULL && entry->days[size] > 0)
		return entry->days[size];
	if (data->default_days[size] > 0)
		return data->default_days[size];
	if (entry != NULL && entry->days[ANY_SIZE] > 0)
		return entry->days[ANY_SIZE];
	return data->default_days[ANY_SIZE];
}

bool
RefusalReasonIsHard(const SalesRules *rules, const char *code)
{
	for (int i = 0; i < rules->data->nreasons; i++)
		if (strcmp(rules->data->reasons[i].code, code) == 0)
			return rules->data->reasons[i].hard;
	return false;
}

const SalesRules *
GetSalesRules(void)
{
	return StatementRules(CurrentStatement());
}

/* "contact_2, strategic_reserve or refusal", for messages; NULL for none. */
char *
DescribeMoves(const SalesRules *rules, bool creation, ClientState from)
{
	StringInfoData buf;
	int			count = 0;
	int			seen = 0;

	for (int to = 0; to < CLIENT_STATE_COUNT; to++)
		if (creation ? rules->may_create[to] : rules->may_move[from][to])
			count++;
	if (count == 0)
		return NULL;

	initStringInfo(&buf);
	for (int to = 0; to < CLIENT_STATE_COUNT; to++)
	{
		if (!(creation ? rules->may_create[to] : rules->may_move[from][to]))
			continue;
		if (seen > 0)
			appendStringInfoString(&buf, seen == count - 1 ? " or " : ", ");
		appendStringInfoString(&buf, ClientStateName(to));
		seen++;
	}
	return buf.data;
}
