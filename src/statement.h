/*
 * statement.h
 *	  What belongs to one statement on salesalgo's tables: the rules it sees,
 *	  its time, what made it, and what it asks of the statements it runs.
 */
#ifndef SALESALGO_STATEMENT_H
#define SALESALGO_STATEMENT_H

#include "datatype/timestamp.h"

#include "rules.h"

/*
 * What a statement is, as far as salesalgo cares; a statement gets it from
 * the statement that runs it (its parent), and only from that one: SQL that
 * a DBA's trigger runs is plain SQL again.
 */
typedef struct StatementOrders
{
	const char *source;			/* "sql", or the function that runs it */
	const char *note;			/* such as the reason of a deadline move */
	bool		deadline_sanctioned;	/* extend_deadline() moving ... */
	int64		deadline_client;	/* ... this client's deadline */
} StatementOrders;

typedef struct SalesStatement SalesStatement;

struct SalesStatement
{
	StatementOrders own;		/* given by the parent when this one began */
	TimestampTz now;			/* the statement's start, or salesalgo.now */
	MemoryContext context;		/* as long as the statement */
	void	   *client_columns; /* client_trigger.c's, for this statement */
};

extern void InitStatements(void);
extern SalesStatement *CurrentStatement(void);
extern const SalesRules *StatementRules(SalesStatement *stmt);

/*
 * Orders for the statements the current one runs, until PopOrders(); on a
 * subtransaction abort they fall back to what they were when it began.
 * PopOrders(stmt, NULL) takes back the latest.
 */
extern StatementOrders *PushOrders(SalesStatement *stmt);
extern void PopOrders(SalesStatement *stmt, StatementOrders *orders);

#endif							/* SALESALGO_STATEMENT_H */
