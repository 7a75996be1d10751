/*
 * statement.c
 *	  What belongs to one statement, kept per statement and not per backend.
 *
 * A statement on salesalgo.client fires salesalgo's row trigger once per
 * row and its statement trigger once at the end; in between, other
 * statements may run inside it (a DBA's trigger, a function in the SET
 * list, a DBA's trigger on the tables that salesalgo's own writes fill, as
 * internal_write.c makes them without a statement of their own), and a
 * rule table may be changed and committed by another session.  What the
 * statement sees
 * must not change under it: its rules are pinned at its first use of them,
 * its time is its start, and what made it (plain SQL, sales_expire(),
 * extend_deadline(), distribute_leads()) is given to it by the one
 * statement that runs it.
 *
 * The statement is known as PostgreSQL's trigger machinery knows it
 * (trigger.c's per-query level): the executor's ExecutorRun and
 * ExecutorFinish, where row and statement triggers fire, and a utility
 * statement such as COPY or TRUNCATE.  Hooks on those keep the current one
 * and its parent.  A statement's context is made at salesalgo's first need
 * of it, in the statement's own memory, and goes with it; a
 * subtransaction abort forgets the statements begun inside it and takes
 * back the orders given inside it, and the transaction's end forgets all,
 * as AfterTriggerEndSubXact and AfterTriggerEndXact do.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "lib/ilist.h"
#include "tcop/utility.h"
#include "utils/memutils.h"

#include "clock.h"
#include "statement.h"

typedef struct OrdersNode
{
	StatementOrders orders;		/* first: a StatementOrders * is the node */
	SubTransactionId subid;		/* given in this subtransaction */
	struct OrdersNode *below;
} OrdersNode;

typedef struct Frame
{
	SalesStatement pub;			/* first: a SalesStatement * is the frame */
	void	   *key;			/* the QueryDesc or PlannedStmt; NULL outside */
	SubTransactionId subid;		/* begun in this subtransaction */
	bool		dead;
	const SalesRules *rules;	/* pinned at first use */
	OrdersNode *orders;			/* for the children; NULL for plain SQL */
	dlist_node node;
	MemoryContextCallback callback;
} Frame;

static const StatementOrders plain_sql = {"sql", NULL, false, 0};

/* The statement running now and the one that runs it, as keys. */
static void *current_key = NULL;
static QueryDesc *current_query = NULL;
static void *parent_key = NULL;

/* The live statements that have a context, newest first. */
static dlist_head frames = DLIST_STATIC_INIT(frames);

static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static void
ForgetFrame(Frame *frame)
{
	if (frame->dead)
		return;
	frame->dead = true;
	dlist_delete(&frame->node);
	if (frame->rules != NULL)
		UnpinSalesRules(frame->rules);
	frame->rules = NULL;
}

/* The statement's memory is going: so is its context. */
static void
FrameMemoryGone(void *arg)
{
	ForgetFrame((Frame *) arg);
}

static Frame *
FindFrame(void *key)
{
	dlist_iter	iter;

	dlist_foreach(iter, &frames)
	{
		Frame	   *frame = dlist_container(Frame, node, iter.cur);

		if (frame->key == key)
			return frame;
	}
	return NULL;
}

SalesStatement *
CurrentStatement(void)
{
	Frame	   *frame = FindFrame(current_key);
	Frame	   *parent;
	MemoryContext memory;

	if (frame != NULL)
		return &frame->pub;

	/*
	 * An executor's statement lives in its query memory; anything else
	 * (COPY, TRUNCATE, a trigger fired at commit) until its hook ends it or
	 * the transaction ends.
	 */
	memory = AllocSetContextCreate(current_query != NULL ?
								   current_query->estate->es_query_cxt :
								   TopTransactionContext,
								   "salesalgo statement",
								   ALLOCSET_SMALL_SIZES);
	frame = MemoryContextAllocZero(memory, sizeof(Frame));
	frame->pub.context = memory;
	frame->key = current_key;
	frame->subid = GetCurrentSubTransactionId();
	frame->pub.now = SalesStatementNow();
	parent = (parent_key != current_key) ? FindFrame(parent_key) : NULL;
	frame->pub.own = (parent != NULL && parent->orders != NULL) ?
		parent->orders->orders : plain_sql;
	frame->callback.func = FrameMemoryGone;
	frame->callback.arg = frame;
	MemoryContextRegisterResetCallback(memory, &frame->callback);
	dlist_push_head(&frames, &frame->node);
	return &frame->pub;
}

const SalesRules *
StatementRules(SalesStatement *stmt)
{
	Frame	   *frame = (Frame *) stmt;

	if (frame->rules == NULL)
		frame->rules = PinSalesRules();
	return frame->rules;
}

StatementOrders *
PushOrders(SalesStatement *stmt)
{
	Frame	   *frame = (Frame *) stmt;
	OrdersNode *node = MemoryContextAlloc(stmt->context, sizeof(OrdersNode));

	node->orders = plain_sql;
	node->subid = GetCurrentSubTransactionId();
	node->below = frame->orders;
	frame->orders = node;
	return &node->orders;
}

void
PopOrders(SalesStatement *stmt, StatementOrders *orders)
{
	Frame	   *frame = (Frame *) stmt;
	OrdersNode *node;

	if (frame->dead)
		return;
	if (orders == NULL)
	{
		if (frame->orders != NULL)
			frame->orders = frame->orders->below;
		return;
	}
	/* an abort may have taken them back already */
	for (node = frame->orders; node != NULL; node = node->below)
		if (&node->orders == orders)
		{
			frame->orders = node->below;
			return;
		}
}

/* Which statement is current, saved while another one runs. */
typedef struct SavedCurrent
{
	void	   *key;
	QueryDesc  *query;
	void	   *parent;
} SavedCurrent;

static void
EnterStatement(void *key, QueryDesc *query, SavedCurrent *saved)
{
	saved->key = current_key;
	saved->query = current_query;
	saved->parent = parent_key;
	parent_key = current_key;
	current_key = key;
	current_query = query;
}

static void
LeaveStatement(const SavedCurrent *saved)
{
	current_key = saved->key;
	current_query = saved->query;
	parent_key = saved->parent;
}

static void
StatementExecutorRun(QueryDesc *queryDesc, ScanDirection direction,
					 uint64 count, bool execute_once)
{
	SavedCurrent saved;

	EnterStatement(queryDesc, queryDesc, &saved);
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		LeaveStatement(&saved);
	}
	PG_END_TRY();
}

/* Statement triggers fire here, at the end of the statement's query. */
static void
StatementExecutorFinish(QueryDesc *queryDesc)
{
	SavedCurrent saved;

	EnterStatement(queryDesc, queryDesc, &saved);
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		LeaveStatement(&saved);
	}
	PG_END_TRY();
}

static void
StatementProcessUtility(PlannedStmt *pstmt, const char *queryString,
						bool readOnlyTree, ProcessUtilityContext context,
						ParamListInfo params, QueryEnvironment *queryEnv,
						DestReceiver *dest, QueryCompletion *qc)
{
	SavedCurrent saved;
	Frame	   *frame;

	EnterStatement(pstmt, NULL, &saved);
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		LeaveStatement(&saved);
	}
	PG_END_TRY();

	/* its context, if it made one, ends with it (unless a COMMIT did) */
	frame = FindFrame(pstmt);
	if (frame != NULL)
		MemoryContextDelete(frame->pub.context);
}

/*
 * A subtransaction that aborts takes with it the statements begun in it
 * and the orders given in it; the others go on as they were when it began.
 */
static void
StatementsSubXact(SubXactEvent event, SubTransactionId mySubid,
				  SubTransactionId parentSubid, void *arg)
{
	dlist_mutable_iter iter;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	dlist_foreach_modify(iter, &frames)
	{
		Frame	   *frame = dlist_container(Frame, node, iter.cur);

		if (frame->subid >= mySubid)
			ForgetFrame(frame);
		else
			while (frame->orders != NULL && frame->orders->subid >= mySubid)
				frame->orders = frame->orders->below;
	}
}

static void
StatementsXact(XactEvent event, void *arg)
{
	dlist_mutable_iter iter;

	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			dlist_foreach_modify(iter, &frames)
				ForgetFrame(dlist_container(Frame, node, iter.cur));
			break;
		default:
			break;
	}
}

void
InitStatements(void)
{
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = StatementExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = StatementExecutorFinish;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = StatementProcessUtility;
	RegisterXactCallback(StatementsXact, NULL);
	RegisterSubXactCallback(StatementsSubXact, NULL);
}
