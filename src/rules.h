/*
 * rules.h
 *	  The rule tables a DBA edits (transition_rule, deadline_rule,
 *	  refusal_reason, settings, size_rule, category), read through a per-backend cache of
 *	  immutable versions that statements pin.
 */
#ifndef SALESALGO_RULES_H
#define SALESALGO_RULES_H

#include "types.h"

/*
 * One version of the rules, as one committed state of the rule tables.  It
 * never changes once loaded: a change makes a new version, and the old one
 * goes when the last statement pinned to it ends.
 */
typedef struct SalesRules
{
	bool		may_create[CLIENT_STATE_COUNT];
	bool		may_move[CLIENT_STATE_COUNT][CLIENT_STATE_COUNT];
	int			default_worklist_cap;
	ClientState expire_state;
	const char *expire_reason;	/* NULL when none is configured */
	int			expire_batch_size;
	bool		notify_events;
	struct SizeRules *sizes;	/* sizes.c's: the size rules, NULL before 1.2 */

	/* rules.c's own */
	struct RulesData *data;
} SalesRules;

extern void InitRulesCache(void);
/* For the loaders of rule tables: SPI over the latest committed state. */
extern void QueryLatest(const char *sql);
extern const SalesRules *PinSalesRules(void);
extern void UnpinSalesRules(const SalesRules *rules);
/* The rules of the current statement (statement.c). */
extern const SalesRules *GetSalesRules(void);
extern int	DeadlineDays(const SalesRules *rules, ClientSize size,
						 bool has_category, int64 category_id);
extern bool RefusalReasonIsHard(const SalesRules *rules, const char *code);
extern char *DescribeMoves(const SalesRules *rules, bool creation,
						   ClientState from);

#endif							/* SALESALGO_RULES_H */
