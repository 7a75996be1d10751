/*
 * sizes.c
 *	  A client's size from the department's size rules (book: "define the
 *	  parameters of a medium client"), and the categories out of profile.
 *
 * The rules are loaded with the other rule tables into a version that a
 * statement pins (rules.c, statement.c): every row of an INSERT ... SELECT
 * is judged in memory against the same compiled conditions, with no query
 * per row, and a change of size_rule or category committed meanwhile applies
 * from the next statement.  A condition is a jsonpath predicate, judged as
 * the @@ operator judges it: a condition that cannot be decided for a
 * client (a missing or mistyped attribute) does not match.  Conditions that
 * could never be true or false, or that could not be judged the same way in
 * every session (variables, .datetime()), are refused when the rule is
 * written.
 *
 * The order of the decision: a client of a category out of profile is
 * nonprofile whatever its attributes (when the rules give its size: a size
 * given by hand is kept, client_trigger.c); otherwise the rules of its category
 * come before the rules for any category, and within each, the larger size
 * first (large, medium, small, nonprofile), then the older rule.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonpath.h"
#include "utils/lsyscache.h"

#include "guard.h"
#include "history.h"
#include "rules.h"
#include "sizes.h"

typedef struct SizeRule
{
	int64		id;
	ClientSize	size;
	bool		has_category;
	int64		category_id;
	JsonPath   *condition;		/* in the version's memory */
} SizeRule;

typedef struct SizeRules
{
	SizeRule   *rules;			/* larger size first, then by id */
	int			nrules;
	int64	   *out_of_profile; /* category ids, sorted */
	int			nout_of_profile;
} SizeRules;

static int
LargerFirst(const void *a, const void *b)
{
	const SizeRule *x = a;
	const SizeRule *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

static int
CompareIds(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * A database not yet updated to 1.2 has neither size_rule nor
 * category.in_profile: its clients give their sizes, as before.
 */
void
LoadSizeRules(SalesRules *rules, MemoryContext context)
{
	Oid			namespace = get_namespace_oid("salesalgo", false);
	Oid			category = get_relname_relid("category", namespace);
	SizeRules  *sizes;

	rules->sizes = NULL;
	if (!OidIsValid(get_relname_relid("size_rule", namespace)) ||
		!OidIsValid(category) ||
		get_attnum(category, "in_profile") == InvalidAttrNumber)
		return;

	sizes = MemoryContextAllocZero(context, sizeof(SizeRules));
	QueryLatest("SELECT id, size, category_id, condition FROM salesalgo.size_rule");
	sizes->nrules = SPI_processed;
	sizes->rules = MemoryContextAllocZero(context,
										  sizeof(SizeRule) * Max(sizes->nrules, 1));
	for (int i = 0; i < sizes->nrules; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		SizeRule   *rule = &sizes->rules[i];
		bool		isnull;
		Datum		value;
		JsonPath   *condition;

		rule->id = DatumGetInt64(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		rule->size = DatumGetClientSize(SPI_getbinval(tuple, tupdesc, 2, &isnull));
		value = SPI_getbinval(tuple, tupdesc, 3, &isnull);
		rule->has_category = !isnull;
		rule->category_id = isnull ? 0 : DatumGetInt64(value);
		condition = DatumGetJsonPathP(SPI_getbinval(tuple, tupdesc, 4, &isnull));
		rule->condition = MemoryContextAlloc(context, VARSIZE(condition));
		memcpy(rule->condition, condition, VARSIZE(condition));
	}
	qsort(sizes->rules, sizes->nrules, sizeof(SizeRule), LargerFirst);

	QueryLatest("SELECT id FROM salesalgo.category WHERE NOT in_profile");
	sizes->nout_of_profile = SPI_processed;
	sizes->out_of_profile = MemoryContextAlloc(context,
											   sizeof(int64) * Max(sizes->nout_of_profile, 1));
	for (int i = 0; i < sizes->nout_of_profile; i++)
	{
		bool		isnull;

		sizes->out_of_profile[i] =
			DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
										SPI_tuptable->tupdesc, 1, &isnull));
	}
	qsort(sizes->out_of_profile, sizes->nout_of_profile, sizeof(int64), CompareIds);
	rules->sizes = sizes;
}

/*
 * attributes @@ condition, with no query: true only for a definite true
 * (the operator's silent mode makes an undecidable condition unknown).
 */
static bool
ConditionHolds(JsonPath *condition, Jsonb *attributes)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 2, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = JsonbPGetDatum(attributes);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = PointerGetDatum(condition);
	fcinfo->args[1].isnull = false;
	result = jsonb_path_match_opr(fcinfo);
	return !fcinfo->isnull && DatumGetBool(result);
}

static bool
FirstMatch(const SizeRules *sizes, Jsonb *attributes, bool of_category,
		   int64 category_id, ClientSize *size)
{
	for (int i = 0; i < sizes->nrules; i++)
	{
		const SizeRule *rule = &sizes->rules[i];

		if (rule->has_category != of_category ||
			(of_category && rule->category_id != category_id))
			continue;
		if (ConditionHolds(rule->condition, attributes))
		{
			*size = rule->size;
			return true;
		}
	}
	return false;
}

bool
ClassifySize(const SalesRules *rules, Jsonb *attributes, bool has_category,
			 int64 category_id, ClientSize *size)
{
	const SizeRules *sizes = rules->sizes;

	if (sizes == NULL)
		return false;
	if (has_category && sizes->nout_of_profile > 0 &&
		bsearch(&category_id, sizes->out_of_profile, sizes->nout_of_profile,
				sizeof(int64), CompareIds) != NULL)
	{
		*size = CLIENT_SIZE_NONPROFILE;
		return true;
	}
	if (attributes == NULL)
		return false;
	if (has_category &&
		FirstMatch(sizes, attributes, true, category_id, size))
		return true;
	return FirstMatch(sizes, attributes, false, 0, size);
}

/* A condition is a predicate: its value is true, false or unknown. */
static bool
IsPredicate(JsonPath *condition)
{
	JsonPathItem item;

	jspInit(&item, condition);
	if (jspHasNext(&item))
		return false;
	switch (item.type)
	{
		case jpiAnd:
		case jpiOr:
		case jpiNot:
		case jpiIsUnknown:
		case jpiEqual:
		case jpiNotEqual:
		case jpiLess:
		case jpiGreater:
		case jpiLessOrEqual:
		case jpiGreaterOrEqual:
		case jpiExists:
		case jpiStartsWith:
		case jpiLikeRegex:
		case jpiBool:
			return true;
		default:
			return false;
	}
}

/*
 * The first item anywhere in the condition that cannot be judged the same
 * way for every client and session: a variable (nothing supplies its value
 * when a client is judged) or .datetime() (its result depends on the
 * session's time zone).  Every operand, argument, subscript and filter is
 * walked, not only the top of the path.
 */
static bool
FindUnjudgeable(JsonPathItem *item, JsonPathItem *found)
{
	JsonPathItem arg;
	JsonPathItem next;

	check_stack_depth();
	switch (item->type)
	{
		case jpiVariable:
		case jpiDatetime:
			*found = *item;
			return true;
		case jpiAnd:
		case jpiOr:
		case jpiEqual:
		case jpiNotEqual:
		case jpiLess:
		case jpiGreater:
		case jpiLessOrEqual:
		case jpiGreaterOrEqual:
		case jpiAdd:
		case jpiSub:
		case jpiMul:
		case jpiDiv:
		case jpiMod:
		case jpiStartsWith:
			jspGetLeftArg(item, &arg);
			if (FindUnjudgeable(&arg, found))
				return true;
			jspGetRightArg(item, &arg);
			if (FindUnjudgeable(&arg, found))
				return true;
			break;
		case jpiNot:
		case jpiIsUnknown:
		case jpiExists:
		case jpiPlus:
		case jpiMinus:
		case jpiFilter:
			jspGetArg(item, &arg);
			if (FindUnjudgeable(&arg, found))
				return true;
			break;
		case jpiLikeRegex:
			jspInitByBuffer(&arg, item->base, item->content.like_regex.expr);
			if (FindUnjudgeable(&arg, found))
				return true;
			break;
		case jpiIndexArray:
			for (int i = 0; i < item->content.array.nelems; i++)
			{
				JsonPathItem to;
				bool		range = jspGetArraySubscript(item, &arg, &to, i);

				if (FindUnjudgeable(&arg, found) ||
					(range && FindUnjudgeable(&to, found)))
					return true;
			}
			break;
		default:
			/* literals, keys, $, @, last, wildcards, other item methods */
			break;
	}
	return jspGetNext(item, &next) && FindUnjudgeable(&next, found);
}

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on salesalgo.size_rule: a condition
 * that can never decide a client's size is refused when it is written, not
 * at the first client it meets.  A jsonpath that does not parse never gets
 * here: its input function refuses it first.
 */
PG_FUNCTION_INFO_V1(size_rule_check);
Datum
size_rule_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = OwnTriggerCallOf(fcinfo, "size_rule_check", "size_rule");
	Relation	rel = trigdata->tg_relation;
	HeapTuple	tuple;
	int			attnum;
	bool		isnull;
	Datum		value;
	JsonPath   *condition;
	JsonPathItem item;
	JsonPathItem found;

	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		  TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"size_rule_check\" must be fired BEFORE INSERT OR UPDATE for each row")));
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	attnum = ColumnOfType(rel, "condition", JSONPATHOID);
	value = heap_getattr(tuple, attnum, RelationGetDescr(rel), &isnull);
	/* NOT NULL says so, after this trigger */
	if (isnull)
		return PointerGetDatum(tuple);
	condition = DatumGetJsonPathP(value);
	if (!IsPredicate(condition))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the condition of a size rule must be a predicate"),
				 errdetail("The condition %s gives a value, not true or false.",
						   quote_literal_cstr(DatumGetCString(DirectFunctionCall1(jsonpath_out, value)))),
				 errhint("Compare attributes, for example '$.revenue >= 500000000 || $.employees >= 250'."),
				 errtablecol(rel, attnum)));
	jspInit(&item, condition);
	if (FindUnjudgeable(&item, &found))
	{
		char	   *text = quote_literal_cstr(DatumGetCString(DirectFunctionCall1(jsonpath_out, value)));

		if (found.type == jpiVariable)
		{
			int32		len;
			char	   *name = jspGetString(&found, &len);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the condition of a size rule cannot use variables"),
					 errdetail("The condition %s uses the variable $%s.",
							   text, pnstrdup(name, len)),
					 errhint("Nothing gives a variable its value when a client is judged, so every client would fail: write the value into the condition."),
					 errtablecol(rel, attnum)));
		}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the condition of a size rule cannot use .datetime()"),
				 errdetail("The condition %s uses the item method .datetime().", text),
				 errhint("What .datetime() gives depends on the session's time zone, so the same client could get a different size, or an error, in another session: compare the attribute as a string or a number."),
				 errtablecol(rel, attnum)));
	}
	return PointerGetDatum(tuple);
}

PG_FUNCTION_INFO_V1(classify);
Datum
classify(PG_FUNCTION_ARGS)
{
	Jsonb	   *attributes = PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0);
	ClientSize	size;

	if (!ClassifySize(GetSalesRules(), attributes, !PG_ARGISNULL(1),
					  PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1), &size))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(CharGetDatum((char) size));
}

/*
 * Re-applies the rules to the clients whose size was derived: each client
 * whose size would change is handed back to the rules (size NULL), one
 * UPDATE at a time in client id order, so that client_rules derives it again
 * through the same rules and history as any change, the history of a run
 * comes out in one order, and two runs lock their clients in the same order.
 * The rows are locked first, in that order, and judged as they are once
 * locked.  A client that the rules now leave without a size keeps the size
 * it has (one client must not stop the department's run); one NOTICE counts
 * them.
 */
#define RECLASSIFY_NAMED 5

PG_FUNCTION_INFO_V1(reclassify);
Datum
reclassify(PG_FUNCTION_ARGS)
{
	Oid			argtypes[1] = {INT8ARRAYOID};
	Datum		values[1];
	ChangeSource previous;
	volatile int64 changed = 0;
	volatile int64 skipped = 0;
	StringInfoData named;

	PreventCommandIfReadOnly("reclassify()");
	values[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	initStringInfo(&named);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	previous = SetChangeSource("reclassify", NULL);
	PG_TRY();
	{
		const char *sql = psprintf("SELECT c.id,"
								   " salesalgo.classify(c.attributes, c.category_id) IS NULL"
								   " FROM salesalgo.client AS c"
								   " WHERE c.size_derived%s"
								   "  AND coalesce(c.size OPERATOR(pg_catalog.<>)"
								   "   salesalgo.classify(c.attributes, c.category_id), true)"
								   " ORDER BY c.id FOR UPDATE OF c",
								   PG_ARGISNULL(0) ? "" :
								   " AND c.id OPERATOR(pg_catalog.=) ANY ($1)");
		SPITupleTable *todo;
		uint64		ntodo;
		SPIPlanPtr	update;
		Oid			idtype[1] = {INT8OID};

		if (SPI_execute_with_args(sql, PG_ARGISNULL(0) ? 0 : 1, argtypes, values,
								  NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not find the clients to reclassify");
		todo = SPI_tuptable;
		ntodo = SPI_processed;
		update = SPI_prepare("UPDATE salesalgo.client SET size = NULL"
							 " WHERE id OPERATOR(pg_catalog.=) $1",
							 1, idtype);
		if (update == NULL)
			elog(ERROR, "could not prepare the reclassification of a client");
		for (uint64 i = 0; i < ntodo; i++)
		{
			bool		isnull;
			Datum		id = SPI_getbinval(todo->vals[i], todo->tupdesc, 1, &isnull);

			CHECK_FOR_INTERRUPTS();
			if (DatumGetBool(SPI_getbinval(todo->vals[i], todo->tupdesc, 2, &isnull)))
			{
				if (skipped++ < RECLASSIFY_NAMED)
					appendStringInfo(&named, "%s" INT64_FORMAT,
									 named.len > 0 ? ", " : "",
									 DatumGetInt64(id));
				continue;
			}
			if (SPI_execute_plan(update, &id, NULL, false, 0) != SPI_OK_UPDATE)
				elog(ERROR, "could not reclassify client " INT64_FORMAT,
					 DatumGetInt64(id));
			changed += SPI_processed;
		}
	}
	PG_FINALLY();
	{
		RestoreChangeSource(previous);
	}
	PG_END_TRY();
	SPI_finish();
	if (skipped > 0)
		ereport(NOTICE,
				(errmsg_plural("reclassify() kept the size of " INT64_FORMAT " client that no size rule matches",
							   "reclassify() kept the size of " INT64_FORMAT " clients that no size rule matches",
							   skipped, skipped),
				 skipped > RECLASSIFY_NAMED ?
				 errdetail("The first five are clients %s.", named.data) :
				 errdetail_plural("Client %s.", "Clients %s.", skipped, named.data),
				 errhint("Add a size rule that matches, or give the size by hand; salesalgo.classify(attributes, category_id) shows what the rules give.")));
	PG_RETURN_INT64(changed);
}
