/*
 * history_reader.c
 *	  salesalgo.client_history read through its btree indexes on the heap,
 *	  without SPI or the executor (history_reader.h says how to use it).
 *
 * A report reads a million rows: through SPI each row costs a tuple copy,
 * a datum per column and the executor's own work, which is most of the
 * time.  Here each row is one index entry, one heap fetch and the columns
 * asked for, deformed once.
 *
 * The indexes are the extension's own, found by name and checked (see
 * OpenHistoryIndex): changed_at for a period, (client_id, id) for a
 * client.  Rows of one changed_at come back from the index in heap order,
 * so each such group is read whole and sorted by id.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "history_reader.h"

/* the sources this library writes, in HistorySource order */
static const char *const source_names[] = {
	"sql", "sales_expire", "sales_recall", "distribute_leads",
	"extend_deadline", "reclassify", "truncate"
};

StaticAssertDecl(lengthof(source_names) == HISTORY_SOURCE_OTHER,
				 "one name per source this library writes");

/* the columns' numbers in the table as it is (0: missing, before 1.2) */
typedef struct HistoryColumns
{
	AttrNumber	id;
	AttrNumber	client_id;
	AttrNumber	changed_at;
	AttrNumber	from_state;
	AttrNumber	to_state;
	AttrNumber	from_manager;
	AttrNumber	to_manager;
	AttrNumber	refusal_reason;
	AttrNumber	deadline_at;
	AttrNumber	source;
	AttrNumber	from_size;
	AttrNumber	to_size;
	AttrNumber	from_category;
	AttrNumber	to_category;
} HistoryColumns;

struct HistoryReader
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	int			columns;
	HistoryColumns att;
	AttrNumber	last_att;		/* deform up to this column */
	bool		by_time;		/* a period: sort same-time groups by id */

	/* the current same-time group, sorted by id, and where we are in it */
	HistoryRow *group;
	int			group_len;
	int			group_size;
	int			group_pos;
	bool		pending;		/* a row read past the group, in group[len] */
	bool		exhausted;		/* the index has no more */
	bool		done;

	/* refusal reasons seen so far: a code is an index */
	char	  **reasons;
	int			nreasons;
	int			reasons_size;
};

static Oid
HistoryRelid(void)
{
	Oid			nsp = get_namespace_oid("salesalgo", false);
	Oid			relid = get_relname_relid("client_history", nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "salesalgo.client_history does not exist");
	return relid;
}

/*
 * Nothing read here passes through the policies of client_history: a
 * caller they bind would see every manager's rows.
 */
static void
CheckHistoryAccess(Oid relid)
{
	AclResult	aclresult;

	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, get_rel_name(relid));
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("row-level security applies to role \"%s\" on table client_history",
						GetUserNameFromId(GetUserId(), false)),
				 errdetail("This function reads every manager's history, past the policies."),
				 errhint("Run the reports as a role the policies do not bind (grant_access kind head or bi).")));
}

static AttrNumber
HistoryAttnum(Relation heap, const char *name, bool required)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(heap), name);

	if (attnum == InvalidAttrNumber && required)
		elog(ERROR, "salesalgo.client_history has no column %s", name);
	return attnum;
}

/*
 * The extension's own index, by name, checked to be what this file reads
 * through: a DBA's look-alike (DESC, another opclass, a predicate) may
 * order or filter rows otherwise, and one found by what it indexes could
 * win after a REINDEX CONCURRENTLY gave ours a higher OID.  key2 is 0 for
 * a one-column index.
 */
static Relation
OpenHistoryIndex(Relation heap, const char *name, const char *create,
				 AttrNumber key1, AttrNumber key2)
{
	Oid			nsp = RelationGetNamespace(heap);
	Oid			indexid = get_relname_relid(name, nsp);
	Relation	index;
	Form_pg_index form;
	int			nkeys = key2 ? 2 : 1;
	AttrNumber	keys[2];
	const char *problem = NULL;

	keys[0] = key1;
	keys[1] = key2;
	if (!OidIsValid(indexid) || get_rel_relkind(indexid) != RELKIND_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index \"%s.%s\" does not exist",
						get_namespace_name(nsp), name),
				 errdetail("The history of clients is read through this index."),
				 errhint("Recreate it: %s", create)));

	index = index_open(indexid, AccessShareLock);
	form = index->rd_index;
	if (form->indrelid != RelationGetRelid(heap))
		problem = "it is not on salesalgo.client_history";
	else if (!form->indisvalid || !form->indisready || !form->indislive)
		problem = "it is not valid";
	else if (index->rd_rel->relam != BTREE_AM_OID)
		problem = "it is not a btree";
	else if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
		problem = "it is partial";
	else if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, NULL))
		problem = "it indexes an expression";
	else if (form->indnkeyatts != nkeys)
		problem = "its key columns are not the expected ones";
	else
	{
		for (int i = 0; i < nkeys && problem == NULL; i++)
		{
			Oid			type = TupleDescAttr(RelationGetDescr(heap),
											 keys[i] - 1)->atttypid;

			if (form->indkey.values[i] != keys[i])
				problem = "its key columns are not the expected ones";
			else if (index->rd_indoption[i] != 0)
				problem = "a key column is not in ascending order with nulls last";
			else if (index->rd_opcintype[i] != type ||
					 index->rd_opfamily[i] !=
					 get_opclass_family(GetDefaultOpClass(type, BTREE_AM_OID)))
				problem = "a key column does not use the default operator class";
		}
	}
	if (problem != NULL)
	{
		index_close(index, AccessShareLock);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s.%s\" cannot be used to read the history",
						get_namespace_name(nsp), name),
				 errdetail("The index must be a valid, plain, ascending btree on its columns, but %s.",
						   problem),
				 errhint("Drop it and recreate it: %s", create)));
	}
	return index;
}

static HistoryReader *
BeginHistoryRead(int columns)
{
	HistoryReader *reader = palloc0(sizeof(HistoryReader));
	Oid			relid = HistoryRelid();
	HistoryColumns *att = &reader->att;

	CheckHistoryAccess(relid);
	reader->heap = table_open(relid, AccessShareLock);
	reader->columns = columns;

	att->id = HistoryAttnum(reader->heap, "id", true);
	att->client_id = HistoryAttnum(reader->heap, "client_id", true);
	att->changed_at = HistoryAttnum(reader->heap, "changed_at", true);
	if (columns & HISTORY_STATES)
	{
		att->from_state = HistoryAttnum(reader->heap, "from_state", true);
		att->to_state = HistoryAttnum(reader->heap, "to_state", true);
	}
	if (columns & HISTORY_MANAGERS)
	{
		att->from_manager = HistoryAttnum(reader->heap, "from_manager", true);
		att->to_manager = HistoryAttnum(reader->heap, "to_manager", true);
	}
	if (columns & HISTORY_REASON)
		att->refusal_reason = HistoryAttnum(reader->heap, "refusal_reason", true);
	if (columns & HISTORY_DEADLINE)
		att->deadline_at = HistoryAttnum(reader->heap, "deadline_at", true);
	if (columns & HISTORY_SOURCE)
		att->source = HistoryAttnum(reader->heap, "source", true);
	if (columns & HISTORY_SIZES)
	{
		/* a database still at 1.0 or 1.1 has none: the sizes stay NULL */
		att->from_size = HistoryAttnum(reader->heap, "from_size", false);
		att->to_size = HistoryAttnum(reader->heap, "to_size", false);
	}
	if (columns & HISTORY_CATEGORIES)
	{
		att->from_category = HistoryAttnum(reader->heap, "from_category", false);
		att->to_category = HistoryAttnum(reader->heap, "to_category", false);
	}
	reader->last_att = Max(Max(Max(att->id, att->client_id), Max(att->changed_at, att->from_state)),
						   Max(Max(att->to_state, att->from_manager), Max(att->to_manager, att->refusal_reason)));
	reader->last_att = Max(Max(reader->last_att, att->deadline_at),
						   Max(att->source, Max(att->from_size, att->to_size)));
	reader->last_att = Max(reader->last_att,
						   Max(att->from_category, att->to_category));

	reader->slot = table_slot_create(reader->heap, NULL);
	reader->group_size = 64;
	reader->group = palloc(sizeof(HistoryRow) * reader->group_size);
	return reader;
}

HistoryReader *
BeginHistoryPeriod(TimestampTz from, TimestampTz to, int columns)
{
	HistoryReader *reader = BeginHistoryRead(columns);
	ScanKeyData keys[2];

	reader->by_time = true;
	reader->index = OpenHistoryIndex(reader->heap,
									 "client_history_changed_at_idx",
									 "CREATE INDEX client_history_changed_at_idx ON salesalgo.client_history (changed_at);",
									 reader->att.changed_at, 0);
	ScanKeyInit(&keys[0], 1, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE,
				TimestampTzGetDatum(from));
	ScanKeyInit(&keys[1], 1, BTLessStrategyNumber, F_TIMESTAMPTZ_LT,
				TimestampTzGetDatum(to));
	reader->scan = index_beginscan(reader->heap, reader->index,
								   GetActiveSnapshot(), 2, 0);
	index_rescan(reader->scan, keys, 2, NULL, 0);
	return reader;
}

HistoryReader *
BeginClientHistory(int64 client_id, int columns)
{
	HistoryReader *reader = BeginHistoryRead(columns);

	reader->index = OpenHistoryIndex(reader->heap,
									 "client_history_client_id_idx",
									 "CREATE INDEX client_history_client_id_idx ON salesalgo.client_history (client_id, id);",
									 reader->att.client_id, reader->att.id);
	reader->scan = index_beginscan(reader->heap, reader->index,
								   GetActiveSnapshot(), 1, 0);
	RestartClientHistory(reader, client_id);
	return reader;
}

/*
 * Another client's rows through the same open scan: a caller looking up
 * thousands of clients pays for the relation, the checks and the scan once.
 */
void
RestartClientHistory(HistoryReader *reader, int64 client_id)
{
	ScanKeyData key;

	Assert(!reader->by_time);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(client_id));
	index_rescan(reader->scan, &key, 1, NULL, 0);
	reader->exhausted = false;
	reader->done = false;
}

static int16
ReasonCode(HistoryReader *reader, Datum value)
{
	text	   *t = DatumGetTextPP(value);
	const char *data = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);

	for (int i = 0; i < reader->nreasons; i++)
		if (strncmp(reader->reasons[i], data, len) == 0 &&
			reader->reasons[i][len] == '\0')
			return i;
	if (reader->nreasons == PG_INT16_MAX)
		elog(ERROR, "too many refusal reasons in salesalgo.client_history");
	if (reader->nreasons == reader->reasons_size)
	{
		reader->reasons_size = Max(8, reader->reasons_size * 2);
		reader->reasons = reader->reasons == NULL ?
			palloc(sizeof(char *) * reader->reasons_size) :
			repalloc(reader->reasons, sizeof(char *) * reader->reasons_size);
	}
	reader->reasons[reader->nreasons] = pnstrdup(data, len);
	return reader->nreasons++;
}

static uint8
SourceCode(Datum value)
{
	text	   *t = DatumGetTextPP(value);
	const char *data = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);

	for (int i = 0; i < HISTORY_SOURCE_OTHER; i++)
		if (strncmp(source_names[i], data, len) == 0 &&
			source_names[i][len] == '\0')
			return i;
	return HISTORY_SOURCE_OTHER;
}

static int8
ByteColumn(TupleTableSlot *slot, AttrNumber attnum)
{
	if (attnum == InvalidAttrNumber || slot->tts_isnull[attnum - 1])
		return HISTORY_NONE;
	return (int8) (uint8) DatumGetChar(slot->tts_values[attnum - 1]);
}

/* the next heap row the index gives, deformed into *row */
static bool
FetchRow(HistoryReader *reader, HistoryRow *row)
{
	TupleTableSlot *slot = reader->slot;
	const HistoryColumns *att = &reader->att;
	Datum	   *values;
	bool	   *isnull;

	CHECK_FOR_INTERRUPTS();
	if (reader->exhausted)
		return false;
	if (!index_getnext_slot(reader->scan, ForwardScanDirection, slot))
	{
		reader->exhausted = true;
		return false;
	}
	slot_getsomeattrs(slot, reader->last_att);
	values = slot->tts_values;
	isnull = slot->tts_isnull;

	memset(row, 0, sizeof(HistoryRow));
	row->id = DatumGetInt64(values[att->id - 1]);
	row->client_id = DatumGetInt64(values[att->client_id - 1]);
	row->changed_at = DatumGetTimestampTz(values[att->changed_at - 1]);
	row->from_state = row->to_state = HISTORY_NONE;
	row->from_size = row->to_size = HISTORY_NONE;
	row->refusal_reason = HISTORY_NONE;
	if (reader->columns & HISTORY_STATES)
	{
		row->from_state = ByteColumn(slot, att->from_state);
		row->to_state = ByteColumn(slot, att->to_state);
	}
	if (reader->columns & HISTORY_SIZES)
	{
		row->from_size = ByteColumn(slot, att->from_size);
		row->to_size = ByteColumn(slot, att->to_size);
	}
	if (reader->columns & HISTORY_MANAGERS)
	{
		row->has_from_manager = !isnull[att->from_manager - 1];
		if (row->has_from_manager)
			row->from_manager = DatumGetInt64(values[att->from_manager - 1]);
		row->has_to_manager = !isnull[att->to_manager - 1];
		if (row->has_to_manager)
			row->to_manager = DatumGetInt64(values[att->to_manager - 1]);
	}
	if ((reader->columns & HISTORY_REASON) && !isnull[att->refusal_reason - 1])
		row->refusal_reason = ReasonCode(reader, values[att->refusal_reason - 1]);
	if (reader->columns & HISTORY_DEADLINE)
	{
		row->has_deadline = !isnull[att->deadline_at - 1];
		if (row->has_deadline)
			row->deadline_at = DatumGetTimestampTz(values[att->deadline_at - 1]);
	}
	if (reader->columns & HISTORY_SOURCE)
		row->source = SourceCode(values[att->source - 1]);
	if (att->from_category != InvalidAttrNumber && !isnull[att->from_category - 1])
	{
		row->has_from_category = true;
		row->from_category = DatumGetInt64(values[att->from_category - 1]);
	}
	if (att->to_category != InvalidAttrNumber && !isnull[att->to_category - 1])
	{
		row->has_to_category = true;
		row->to_category = DatumGetInt64(values[att->to_category - 1]);
	}
	return true;
}

#define ST_SORT sort_rows_by_id
#define ST_ELEMENT_TYPE HistoryRow
#define ST_COMPARE(a, b) (((a)->id > (b)->id) - ((a)->id < (b)->id))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Reads the next same-time group into reader->group, the row after it
 * kept at group[group_len] for the next call.
 */
static void
ReadGroup(HistoryReader *reader)
{
	HistoryRow	first;

	if (reader->pending)
		first = reader->group[reader->group_len];
	else if (!FetchRow(reader, &first))
	{
		reader->done = true;
		reader->group_len = 0;
		return;
	}
	reader->group[0] = first;
	reader->group_len = 1;
	reader->group_pos = 0;
	reader->pending = false;
	for (;;)
	{
		HistoryRow *next;

		if (reader->group_len == reader->group_size)
		{
			reader->group_size *= 2;
			reader->group = repalloc(reader->group,
									 sizeof(HistoryRow) * reader->group_size);
		}
		next = &reader->group[reader->group_len];
		if (!FetchRow(reader, next))
			break;
		if (next->changed_at != first.changed_at)
		{
			reader->pending = true;
			break;
		}
		reader->group_len++;
	}
	if (reader->group_len > 1)
		sort_rows_by_id(reader->group, reader->group_len);
}

const HistoryRow *
NextHistoryRow(HistoryReader *reader)
{
	if (reader->done)
		return NULL;
	if (!reader->by_time)
	{
		/* the client index is in id order already */
		if (!FetchRow(reader, &reader->group[0]))
		{
			reader->done = true;
			return NULL;
		}
		return &reader->group[0];
	}
	if (reader->group_pos >= reader->group_len)
	{
		ReadGroup(reader);
		if (reader->done)
			return NULL;
	}
	return &reader->group[reader->group_pos++];
}

const char *
HistoryReasonName(const HistoryReader *reader, int16 code)
{
	Assert(code >= 0 && code < reader->nreasons);
	return reader->reasons[code];
}

void
EndHistoryRead(HistoryReader *reader)
{
	index_endscan(reader->scan);
	ExecDropSingleTupleTableSlot(reader->slot);
	index_close(reader->index, AccessShareLock);
	table_close(reader->heap, AccessShareLock);
	for (int i = 0; i < reader->nreasons; i++)
		pfree(reader->reasons[i]);
	if (reader->reasons)
		pfree(reader->reasons);
	pfree(reader->group);
	pfree(reader);
}
