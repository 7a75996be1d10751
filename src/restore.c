/*
 * restore.c
 *	  Recognizes a session that is loading a dump.
 *
 * The rows of a dump are the department as it was: they are loaded as they
 * are, with no rule checked and no history written twice.  Such a session is
 * recognized by the settings pg_dump's output (plain SQL through psql, or an
 * archive through pg_restore, which sends the same commands) always makes at
 * its start, all of them together, in a session whose session user is a
 * superuser:
 *
 *	  SET check_function_bodies = false;
 *	  SET client_min_messages = warning;
 *	  SET row_security = off;
 *	  SELECT pg_catalog.set_config('search_path', '', false);
 *
 * A person's session does not make all four: row_security = off alone (an
 * ALTER ROLE ... SET, a psqlrc) or any other three get the rules, and so
 * does a SECURITY DEFINER function a superuser owns, called from another
 * session: the session user counts, not the current user.
 *
 * The search path is read as the session set it: salesalgo's functions set
 * their own for their duration, and these checks run inside them.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/rls.h"

#include "restore.h"

static struct config_generic *search_path_option = NULL;

static struct config_generic *
SearchPathOption(void)
{
	if (search_path_option == NULL)
	{
#if PG_VERSION_NUM >= 160000
		search_path_option = find_option("search_path", false, false, ERROR);
#else
		struct config_generic **options = get_guc_variables();
		int			count = GetNumConfigOptions();

		for (int i = 0; i < count; i++)
			if (strcmp(options[i]->name, "search_path") == 0)
				search_path_option = options[i];
		if (search_path_option == NULL)
			elog(ERROR, "search_path is not a setting");
#endif
	}
	return search_path_option;
}

/*
 * The search path as the session or its transaction set it, under whatever
 * functions' SET clauses (and subtransactions) are in force: the value
 * before the outermost change made above the transaction's own level, or
 * the current value when there is none.
 */
static const char *
StatementSearchPath(void)
{
	const char *path = namespace_search_path;

	for (GucStack *entry = SearchPathOption()->stack; entry != NULL;
		 entry = entry->prev)
		if (entry->nest_level > 1)
			path = entry->prior.val.stringval;
	return path;
}

bool
RestoringDump(void)
{
	const char *path;

	if (row_security || check_function_bodies ||
		client_min_messages != WARNING ||
		!superuser_arg(GetSessionUserId()))
		return false;
	path = StatementSearchPath();
	return path != NULL && path[0] == '\0';
}
