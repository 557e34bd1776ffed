/* Authorisation: who may do what. One function decides every request, from
 * one static table (the role matrix, authz.c) and a few rules about kinds.
 *
 * Roles (a user has one; a request without a valid token is anonymous):
 *   anonymous  the public: the public collections and published statistics
 *   viewer     partners, donors: reads every collection but restricted ones
 *   analyst    operations planners: + minefield records (fits, predictions)
 *   editor     operators' field and QA staff: + writes (entered as submitted;
 *              what others wrote stays theirs)
 *   approver   information management officers: + changes to what others
 *              wrote, approve/reject, personal data, minefield records, the
 *              change log
 *   admin      everything, users included
 *
 * Actions:
 *   read_public             a collection of the public subset (default:
 *                           hazards)
 *   read                    any collection, without victims' personal fields;
 *                           minefield records need read_minefield_records too;
 *                           and the planning answers under /plan/ (rankings,
 *                           settlement plans, forecasts: they name hazards and
 *                           count casualties, with no personal data), and the
 *                           monthly report (/reports/monthly: it maps the
 *                           month's accidents and lists data-quality warnings);
 *                           the hazard map sheet (/reports/hazards/{code})
 *                           needs read of every collection it draws from,
 *                           minefield records included
 *   read_personal           victims' names and addresses (DM_FIELD_PERSONAL),
 *                           and casualty figures with every group exact
 *   read_minefield_records  the laying party's minefield records
 *   read_statistics         the published statistics under /stats/ (approved
 *                           records), the factsheet and the casualty chart
 *                           under /reports/; casualty figures with groups of
 *                           fewer than --min-cell people suppressed unless the
 *                           role also holds read_personal
 *   write                   create; replace, update or withdraw a record not
 *                           yet approved that one wrote (created or changed
 *                           since it was last approved), or the change one
 *                           proposed to an approved record; propose a change
 *                           to an approved record (records enter as
 *                           submitted); a kind must be readable whole too
 *   write_others            the same on records and waiting changes others
 *                           wrote (same rule)
 *   approve                 approve or reject a submitted record or a waiting
 *                           change (same rule), never one that the approver
 *                           wrote any part of (server/writes.c)
 *   manage_users            add users, change roles and passwords, disable
 *   read_audit              the change log
 *
 * Everything here is static and thread-safe; nothing to free.
 */
#ifndef DM_SERVER_AUTHZ_H
#define DM_SERVER_AUTHZ_H

#include "core/buf.h"
#include "core/error.h"
#include "core/kind.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum dm_role {
    DM_ROLE_ANONYMOUS,
    DM_ROLE_VIEWER,
    DM_ROLE_ANALYST,
    DM_ROLE_EDITOR,
    DM_ROLE_APPROVER,
    DM_ROLE_ADMIN,
    DM_ROLE_COUNT
} dm_role;

typedef enum dm_action {
    DM_ACT_READ_PUBLIC,
    DM_ACT_READ,
    DM_ACT_READ_PERSONAL,
    DM_ACT_READ_MINEFIELD_RECORDS,
    DM_ACT_READ_STATISTICS,
    DM_ACT_WRITE,
    DM_ACT_WRITE_OTHERS,
    DM_ACT_APPROVE,
    DM_ACT_MANAGE_USERS,
    DM_ACT_READ_AUDIT,
    DM_ACT_COUNT
} dm_action;

/* "viewer", "read_personal" ...; NULL when out of range. Static. */
const char *dm_role_name(dm_role role);
const char *dm_action_name(dm_action action);

/* The role called `name` (exact, lower case) into *out; false when unknown. */
bool dm_role_parse(const char *name, dm_role *out);

/* True for the roles a user can be given: every role but anonymous. */
bool dm_role_assignable(dm_role role);

/* "viewer, analyst, editor, approver, admin": the assignable roles. Static. */
const char *dm_role_list(void);

/* The collections anonymous requests may read. Never a kind with personal
 * fields (victims) or minefield records, whatever the configuration says. */
#define DM_AUTHZ_PUBLIC_MAX 16
typedef struct dm_authz_public {
    const dm_kind *kinds[DM_AUTHZ_PUBLIC_MAX];
    size_t n;
} dm_authz_public;

/* The default public subset: hazards only. */
void dm_authz_public_default(dm_authz_public *pub);

/* Sets the public subset from a comma-separated list of collection names
 * ("hazards,releases"; "" for none). An unknown name, victims, minefield
 * records or any kind with personal fields is DM_EINVAL naming it; *pub is
 * unchanged then. */
dm_status dm_authz_public_parse(dm_authz_public *pub, const char *list, dm_error *err);

/* True when `kind` is in the public subset (pub NULL: the default) and may
 * be public at all. */
bool dm_authz_is_public(const dm_authz_public *pub, const dm_kind *kind);

/* The bare role matrix: does `role` hold `action`? (No rules about kinds.) */
bool dm_authz_matrix(dm_role role, dm_action action);

#define DM_AUTHZ_REASON_MAX 256

/* The one authorisation decision. `kind` is the collection the request is
 * about, or NULL when it is about none (statistics, the change log, users).
 * pub NULL means the default public subset. Rules on top of the matrix:
 *   - read_public of a kind: the kind must be in the public subset;
 *   - read of a kind in the public subset is read_public (so anonymous may
 *     read the public collections through the same call as everyone);
 *   - read, write, write_others and approve of minefield records also need
 *     read_minefield_records; write, write_others and approve of a kind with
 *     personal fields (victims) also need read_personal: nobody changes what
 *     they may not see whole;
 *   - a kind that is not a stored collection is refused.
 * On false, reason (DM_AUTHZ_REASON_MAX bytes, may be NULL) says why, in
 * words fit for a 401/403 body: never more than the role, the action and
 * the collection. */
bool dm_authz_allowed(dm_role role, dm_action action, const dm_kind *kind,
                      const dm_authz_public *pub, char *reason);

/* Appends the role matrix as a Markdown table (what docs/ARCHITECTURE.md
 * shows between its roles markers, and `demine user roles` prints). */
dm_status dm_authz_matrix_markdown(dm_buf *out);

#endif
