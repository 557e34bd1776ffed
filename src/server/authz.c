/* The role matrix and the one authorisation decision (authz.h). */
#include "server/authz.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const role_names[DM_ROLE_COUNT] = {
    "anonymous", "viewer", "analyst", "editor", "approver", "admin",
};

static const char *const action_names[DM_ACT_COUNT] = {
    "read_public", "read",         "read_personal", "read_minefield_records", "read_statistics",
    "write",       "write_others", "approve",       "manage_users",           "read_audit",
};

/* How an action reads in a sentence: "the viewer role may not <phrase>". */
static const char *const action_phrases[DM_ACT_COUNT] = {
    "read the public data",
    "read",
    "read personal data",
    "read minefield records",
    "read statistics",
    "change",
    "change or withdraw what others wrote",
    "approve or reject",
    "manage users",
    "read the change log",
};

#define Y true
#define N false

/* The role matrix. Each row is a role, each column an action, in the order
 * of dm_action:
 *   read_public, read, read_personal, read_minefield_records,
 *   read_statistics, write, write_others, approve, manage_users, read_audit.
 * Why these (docs/ARCHITECTURE.md, "Users and roles"):
 *   - everyone, anonymous included, reads the published statistics: the
 *     public and the press need them; casualty figures come with small
 *     cells suppressed to every role without read_personal (stats.c);
 *   - analysts plan clearance and fit minefield records to finds, so they
 *     read minefield records; they get no personal data and no change log,
 *     which is about staff, not land;
 *   - editors are operators' staff: they write (records enter as submitted),
 *     changing or withdrawing only what they wrote themselves, but do not
 *     read minefield records or personal data, which the centre hands out
 *     per task;
 *   - approvers are the centre's information officers: every read, writes,
 *     changes to what others wrote, approval (never of what they wrote
 *     themselves: writes.c), and the change log to review who changed what;
 *   - only admins manage users. */
/* clang-format off */
static const bool matrix[DM_ROLE_COUNT][DM_ACT_COUNT] = {
    /*                    public read personal minefield stats write others approve users audit */
    [DM_ROLE_ANONYMOUS] = {Y,     N,   N,       N,        Y,    N,    N,     N,      N,    N},
    [DM_ROLE_VIEWER]    = {Y,     Y,   N,       N,        Y,    N,    N,     N,      N,    N},
    [DM_ROLE_ANALYST]   = {Y,     Y,   N,       Y,        Y,    N,    N,     N,      N,    N},
    [DM_ROLE_EDITOR]    = {Y,     Y,   N,       N,        Y,    Y,    N,     N,      N,    N},
    [DM_ROLE_APPROVER]  = {Y,     Y,   Y,       Y,        Y,    Y,    Y,     Y,      N,    Y},
    [DM_ROLE_ADMIN]     = {Y,     Y,   Y,       Y,        Y,    Y,    Y,     Y,      Y,    Y},
};
/* clang-format on */

#undef Y
#undef N

const char *dm_role_name(dm_role role)
{
    return (unsigned)role < DM_ROLE_COUNT ? role_names[role] : NULL;
}

const char *dm_action_name(dm_action action)
{
    return (unsigned)action < DM_ACT_COUNT ? action_names[action] : NULL;
}

bool dm_role_parse(const char *name, dm_role *out)
{
    for (int r = 0; name && r < DM_ROLE_COUNT; r++)
        if (!strcmp(name, role_names[r])) {
            *out = (dm_role)r;
            return true;
        }
    return false;
}

bool dm_role_assignable(dm_role role)
{
    return (unsigned)role < DM_ROLE_COUNT && role != DM_ROLE_ANONYMOUS;
}

const char *dm_role_list(void) { return "viewer, analyst, editor, approver, admin"; }

bool dm_authz_matrix(dm_role role, dm_action action)
{
    return (unsigned)role < DM_ROLE_COUNT && (unsigned)action < DM_ACT_COUNT &&
           matrix[role][action];
}

static bool has_personal_fields(const dm_kind *k)
{
    for (size_t i = 0; i < k->nfields; i++)
        if (k->fields[i].flags & DM_FIELD_PERSONAL)
            return true;
    return false;
}

/* Whether a kind may be in the public subset at all. */
static bool may_be_public(const dm_kind *k)
{
    return k && k->table && k != &dm_kind_minefield_records && !has_personal_fields(k);
}

void dm_authz_public_default(dm_authz_public *pub)
{
    memset(pub, 0, sizeof *pub);
    pub->kinds[pub->n++] = &dm_kind_hazards;
}

dm_status dm_authz_public_parse(dm_authz_public *pub, const char *list, dm_error *err)
{
    dm_authz_public p;
    memset(&p, 0, sizeof p);
    const char *s = list ? list : "";
    while (*s) {
        size_t len = strcspn(s, ",");
        char name[64];
        /* trim blanks around the name */
        const char *b = s, *e = s + len;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > b) {
            if ((size_t)(e - b) >= sizeof name)
                return dm_error_set(err, DM_EINVAL, "public collections: a name is too long");
            memcpy(name, b, (size_t)(e - b));
            name[e - b] = 0;
            const dm_kind *k = dm_kind_find(name);
            if (!k || !k->table) {
                char names[400];
                dm_kind_list_names(names, sizeof names);
                return dm_error_set(err, DM_EINVAL,
                                    "public collections: '%s' is not a collection; the "
                                    "collections are: %s",
                                    name, names);
            }
            if (!may_be_public(k))
                return dm_error_set(
                    err, DM_EINVAL, "public collections: %s can never be public (%s)", k->name,
                    k == &dm_kind_minefield_records ? "minefield records are restricted"
                                                    : "it holds personal data");
            bool dup = false;
            for (size_t i = 0; i < p.n; i++)
                dup |= p.kinds[i] == k;
            if (!dup) {
                if (p.n == DM_AUTHZ_PUBLIC_MAX)
                    return dm_error_set(err, DM_EINVAL, "public collections: too many");
                p.kinds[p.n++] = k;
            }
        }
        s += len;
        if (*s == ',')
            s++;
    }
    *pub = p;
    return DM_OK;
}

bool dm_authz_is_public(const dm_authz_public *pub, const dm_kind *kind)
{
    dm_authz_public def;
    if (!pub) {
        dm_authz_public_default(&def);
        pub = &def;
    }
    if (!may_be_public(kind))
        return false;
    for (size_t i = 0; i < pub->n && i < DM_AUTHZ_PUBLIC_MAX; i++)
        if (pub->kinds[i] == kind)
            return true;
    return false;
}

/* "approver, admin": the roles that hold `action`. */
static void roles_with(dm_action action, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = 0;
    for (int r = 0; r < DM_ROLE_COUNT && used < outsz; r++)
        if (matrix[r][action])
            used +=
                (size_t)snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", role_names[r]);
}

/* "hazards, releases" or "none": the public collections. */
static void public_names(const dm_authz_public *pub, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < (int)dm_kind_count() && used < outsz; i++) {
        const dm_kind *k = dm_kind_at((size_t)i);
        if (dm_authz_is_public(pub, k))
            used += (size_t)snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", k->name);
    }
    if (!used)
        snprintf(out, outsz, "none");
}

static bool deny(char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool deny(char *reason, const char *fmt, ...)
{
    if (reason) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, DM_AUTHZ_REASON_MAX, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* The refusal of `action` (needing `need`) for `role`, in words. */
static bool deny_role(char *reason, dm_role role, dm_action action, dm_action need,
                      const dm_kind *kind, const dm_authz_public *pub)
{
    char who[120];
    if (role == DM_ROLE_ANONYMOUS) {
        public_names(pub, who, sizeof who);
        return deny(reason,
                    "log in first: without a login only the public collections (%s) and the "
                    "published statistics can be read",
                    who);
    }
    roles_with(need, who, sizeof who);
    /* "may not change hazards", but "may not read personal data" */
    bool object =
        kind && (action == DM_ACT_READ || action == DM_ACT_WRITE || action == DM_ACT_APPROVE);
    if (need == action)
        return deny(reason, "the %s role may not %s%s%s (roles that may: %s)", role_names[role],
                    action_phrases[action], object ? " " : "", object ? kind->name : "", who);
    return deny(reason,
                "the %s role may not %s %s: that needs the right to %s (roles that may: %s)",
                role_names[role], action_phrases[action], kind ? kind->name : "records",
                action_phrases[need], who);
}

bool dm_authz_allowed(dm_role role, dm_action action, const dm_kind *kind,
                      const dm_authz_public *pub, char *reason)
{
    if (reason)
        reason[0] = 0;
    if ((unsigned)role >= DM_ROLE_COUNT || (unsigned)action >= DM_ACT_COUNT)
        return deny(reason, "unknown role or action");
    if (kind && !kind->table)
        return deny(reason, "%s is not a collection", kind->name);
    bool is_public = kind && dm_authz_is_public(pub, kind);
    if (action == DM_ACT_READ_PUBLIC && kind && !is_public) {
        char names[120];
        public_names(pub, names, sizeof names);
        return deny(reason, "%s is not among the public collections (%s)", kind->name, names);
    }
    /* a public collection is read with read_public */
    dm_action held = action == DM_ACT_READ && is_public && !matrix[role][DM_ACT_READ]
                         ? DM_ACT_READ_PUBLIC
                         : action;
    if (!matrix[role][held])
        return deny_role(reason, role, action, action, kind, pub);
    /* nobody reads or changes what they may not see whole */
    dm_action also = DM_ACT_COUNT;
    bool changes =
        action == DM_ACT_WRITE || action == DM_ACT_WRITE_OTHERS || action == DM_ACT_APPROVE;
    if (kind == &dm_kind_minefield_records && (action == DM_ACT_READ || changes))
        also = DM_ACT_READ_MINEFIELD_RECORDS;
    else if (kind && has_personal_fields(kind) && changes)
        also = DM_ACT_READ_PERSONAL;
    if (also != DM_ACT_COUNT && !matrix[role][also])
        return deny_role(reason, role, action, also, kind, pub);
    return true;
}

dm_status dm_authz_matrix_markdown(dm_buf *out)
{
    dm_buf_puts(out, "| action |");
    for (int r = 0; r < DM_ROLE_COUNT; r++)
        dm_buf_printf(out, " %s |", role_names[r]);
    dm_buf_puts(out, "\n|---|");
    for (int r = 0; r < DM_ROLE_COUNT; r++)
        dm_buf_puts(out, "---|");
    dm_buf_puts(out, "\n");
    for (int a = 0; a < DM_ACT_COUNT; a++) {
        dm_buf_printf(out, "| %s |", action_names[a]);
        for (int r = 0; r < DM_ROLE_COUNT; r++)
            dm_buf_puts(out, matrix[r][a] ? " yes |" : " no |");
        dm_buf_puts(out, "\n");
    }
    return out->status;
}
