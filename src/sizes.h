/*
 * sizes.h
 *	  A client's size from the department's size rules (salesalgo.size_rule)
 *	  and the categories out of profile: loaded with the other rules into a
 *	  version that statements pin, judged in memory for every row.
 */
#ifndef SALESALGO_SIZES_H
#define SALESALGO_SIZES_H

#include "utils/jsonb.h"

#include "rules.h"

/* Loads a version's size rules; the caller is connected to SPI. */
extern void LoadSizeRules(SalesRules *rules, MemoryContext context);

/*
 * The size the rules give a client with these attributes (NULL: none) in
 * this category: false when no rule matches and the category is in profile.
 */
extern bool ClassifySize(const SalesRules *rules, Jsonb *attributes,
						 bool has_category, int64 category_id,
						 ClientSize *size);

#endif							/* SALESALGO_SIZES_H */
