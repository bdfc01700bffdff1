/* config.c — the subset of the OCI runtime-spec config.json that Strata uses, plus
 * Strata's annotations (org.strata.*). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

static char **string_array(const struct jval *a, size_t *n, const char *what, int *rc) {
  *rc = 0;
  if (n) *n = 0;
  if (!a || a->t == J_NULL) return NULL;
  if (a->t != J_ARR) { *rc = herrx("config", "%s: expected an array of strings", what); return NULL; }
  char **out = xmalloc((a->len + 1) * sizeof *out);
  for (size_t i = 0; i < a->len; i++) {
    if (a->items[i]->t != J_STR) { *rc = herrx("config", "%s[%zu]: expected a string", what, i); return NULL; }
    out[i] = a->items[i]->s;
  }
  out[a->len] = NULL;
  if (n) *n = a->len;
  return out;
}

char **json_string_array(const char *text, size_t *n, const char *what) {
  char err[128];
  struct jval *v = json_parse(text, strlen(text), err, sizeof err);
  if (!v) { herrx("config", "%s: invalid JSON: %s", what, err); return NULL; }
  int rc;
  char **a = string_array(v, n, what, &rc);
  if (rc < 0) return NULL;
  if (!a) { herrx("config", "%s: expected a JSON array of strings", what); return NULL; }
  return a;
}

static const struct { const char *name; int res; } rlimit_names[] = {
  {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
  {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
  {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
  {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
  {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
  {"RLIMIT_STACK", RLIMIT_STACK},
};

static bool get_u64(const struct jval *v, uint64_t *out) {
  if (!v || v->t != J_NUM) return false;
  *out = v->i < 0 ? UINT64_MAX : (uint64_t)v->i;
  if (v->is_int && v->i == INT64_MAX) *out = UINT64_MAX;
  return true;
}

static bool get_i64(const struct jval *v, int64_t *out) {
  if (!v || v->t != J_NUM) return false;
  *out = v->i;
  return true;
}

int process_spec_parse(const struct jval *p, struct process_spec *ps) {
  int rc;
  memset(ps, 0, sizeof *ps);
  if (!p || p->t != J_OBJ) return herrx("config", "process: missing or not an object");
  const struct jval *v;
  if ((v = json_get(p, "terminal")) && v->t == J_BOOL) ps->terminal = v->b;
  if ((v = json_get(p, "consoleSize")) && v->t == J_OBJ) {
    uint64_t h = 0, w = 0;
    get_u64(json_get(v, "height"), &h);
    get_u64(json_get(v, "width"), &w);
    ps->has_console_size = true;
    ps->rows = (unsigned short)h;
    ps->cols = (unsigned short)w;
  }
  const struct jval *u = json_get(p, "user");
  if (u && u->t == J_OBJ) {
    uint64_t x;
    if (get_u64(json_get(u, "uid"), &x)) ps->uid = (uid_t)x;
    if (get_u64(json_get(u, "gid"), &x)) ps->gid = (gid_t)x;
    if (get_u64(json_get(u, "umask"), &x)) { ps->has_umask = true; ps->umask = (mode_t)x; }
    const struct jval *g = json_get(u, "additionalGids");
    if (g && g->t == J_ARR) {
      ps->groups = xmalloc((g->len + 1) * sizeof *ps->groups);
      for (size_t i = 0; i < g->len; i++) {
        if (!get_u64(g->items[i], &x)) return herrx("config", "process.user.additionalGids[%zu]: expected a number", i);
        ps->groups[i] = (gid_t)x;
      }
      ps->ngroups = g->len;
    }
  }
  ps->args = string_array(json_get(p, "args"), NULL, "process.args", &rc);
  if (rc < 0) return -1;
  if (!ps->args || !ps->args[0]) return herrx("config", "process.args: must name a command");
  ps->env = string_array(json_get(p, "env"), NULL, "process.env", &rc);
  if (rc < 0) return -1;
  if (!ps->env) { ps->env = xmalloc(sizeof *ps->env); ps->env[0] = NULL; }
  ps->cwd = json_get_str(p, "cwd");
  if (!ps->cwd || !*ps->cwd) ps->cwd = "/";
  if (ps->cwd[0] != '/') return herrx("config", "process.cwd: %s: must be an absolute path", ps->cwd);

  const struct jval *caps = json_get(p, "capabilities");
  if (caps && caps->t == J_OBJ) {
    static const char *const sets[5] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
    ps->caps.present = true;
    for (int s = 0; s < 5; s++) {
      size_t n;
      char **names = string_array(json_get(caps, sets[s]), &n, sets[s], &rc);
      if (rc < 0) return -1;
      for (size_t i = 0; i < n; i++) {
        int cap = cap_from_name(names[i]);
        if (cap < 0) return herrx("config", "process.capabilities.%s: unknown capability %s", sets[s], names[i]);
        if (cap <= cap_last()) ps->caps.set[s] |= 1ULL << cap;
      }
      free(names);
    }
  }
  if ((v = json_get(p, "noNewPrivileges")) && v->t == J_BOOL) ps->no_new_privs = v->b;
  const struct jval *rl = json_get(p, "rlimits");
  if (rl && rl->t == J_ARR) {
    ps->rlimits = xmalloc((rl->len + 1) * sizeof *ps->rlimits);
    for (size_t i = 0; i < rl->len; i++) {
      const char *type = json_get_str(rl->items[i], "type");
      int res = -1;
      for (size_t k = 0; type && k < sizeof rlimit_names / sizeof rlimit_names[0]; k++)
        if (strcmp(rlimit_names[k].name, type) == 0) res = rlimit_names[k].res;
      if (res < 0) return herrx("config", "process.rlimits[%zu]: unknown type %s", i, type ? type : "(none)");
      struct rlimit_spec *r = &ps->rlimits[ps->nrlimits++];
      r->resource = res;
      if (!get_u64(json_get(rl->items[i], "hard"), &r->hard) || !get_u64(json_get(rl->items[i], "soft"), &r->soft))
        return herrx("config", "process.rlimits[%zu]: soft and hard must be numbers", i);
    }
  }
  if ((v = json_get(p, "oomScoreAdj")) && v->t == J_NUM) {
    ps->has_oom_score_adj = true;
    ps->oom_score_adj = (int)v->i;
  }
  return 0;
}

int process_spec_load(const char *file, struct process_spec *ps) {
  size_t len;
  char *text = read_file(AT_FDCWD, file, &len);
  if (!text) return herr("config", "read %s", file);
  char err[128];
  struct jval *v = json_parse(text, len, err, sizeof err);
  if (!v) return herrx("config", "%s: invalid JSON: %s", file, err);
  return process_spec_parse(v, ps);
}

static const struct { const char *name; int idx; } ns_types[] = {
  {"pid", NS_PID}, {"mount", NS_MNT}, {"uts", NS_UTS}, {"ipc", NS_IPC},
  {"network", NS_NET}, {"cgroup", NS_CGROUP}, {"user", NS_USER},
};

static char *absolute_in(const char *base, const char *p) {
  if (p[0] == '/') return xstrdup(p);
  size_t n = strlen(base) + strlen(p) + 2;
  char *out = xmalloc(n);
  snprintf(out, n, "%s/%s", base, p);
  return out;
}

static int parse_linux(const struct jval *l, struct config *c) {
  int rc;
  if (!l || l->t != J_OBJ) return 0;
  const struct jval *nss = json_get(l, "namespaces");
  if (nss && nss->t == J_ARR) {
    for (size_t i = 0; i < nss->len; i++) {
      const char *type = json_get_str(nss->items[i], "type");
      int idx = -1;
      for (size_t k = 0; type && k < sizeof ns_types / sizeof ns_types[0]; k++)
        if (strcmp(ns_types[k].name, type) == 0) idx = ns_types[k].idx;
      if (idx < 0) return herrx("config", "linux.namespaces[%zu]: unknown type %s", i, type ? type : "(none)");
      c->ns[idx].wanted = true;
      const char *path = json_get_str(nss->items[i], "path");
      c->ns[idx].path = path && *path ? path : NULL;
    }
  }
  c->masked_paths = string_array(json_get(l, "maskedPaths"), &c->nmasked, "linux.maskedPaths", &rc);
  if (rc < 0) return -1;
  c->readonly_paths = string_array(json_get(l, "readonlyPaths"), &c->nreadonly, "linux.readonlyPaths", &rc);
  if (rc < 0) return -1;
  c->cgroups_path = json_get_str(l, "cgroupsPath");
  const char *prop = json_get_str(l, "rootfsPropagation");
  c->rootfs_propagation = MS_SLAVE | MS_REC;
  if (prop) {
    if (!strcmp(prop, "private")) c->rootfs_propagation = MS_PRIVATE;
    else if (!strcmp(prop, "rprivate")) c->rootfs_propagation = MS_PRIVATE | MS_REC;
    else if (!strcmp(prop, "slave")) c->rootfs_propagation = MS_SLAVE;
    else if (!strcmp(prop, "rslave")) c->rootfs_propagation = MS_SLAVE | MS_REC;
    else if (!strcmp(prop, "shared")) c->rootfs_propagation = MS_SHARED;
    else if (!strcmp(prop, "rshared")) c->rootfs_propagation = MS_SHARED | MS_REC;
    else if (!strcmp(prop, "unbindable")) c->rootfs_propagation = MS_UNBINDABLE;
    else if (!strcmp(prop, "runbindable")) c->rootfs_propagation = MS_UNBINDABLE | MS_REC;
    else return herrx("config", "linux.rootfsPropagation: unknown value %s", prop);
  }
  const struct jval *sys = json_get(l, "sysctl");
  if (sys && sys->t == J_OBJ) {
    c->sysctls = xmalloc((sys->len + 1) * sizeof *c->sysctls);
    for (size_t i = 0; i < sys->len; i++) {
      if (sys->items[i]->t != J_STR) return herrx("config", "linux.sysctl.%s: expected a string", sys->keys[i]);
      c->sysctls[c->nsysctls].key = sys->keys[i];
      c->sysctls[c->nsysctls++].value = sys->items[i]->s;
    }
  }
  const struct jval *res = json_get(l, "resources");
  if (res && res->t == J_OBJ) {
    struct resources_spec *r = &c->res;
    const struct jval *mem = json_get(res, "memory"), *cpu = json_get(res, "cpu"), *pids = json_get(res, "pids");
    r->has_memory_limit = get_i64(json_get(mem, "limit"), &r->memory_limit);
    r->has_memory_swap = get_i64(json_get(mem, "swap"), &r->memory_swap);
    r->has_cpu_shares = get_u64(json_get(cpu, "shares"), &r->cpu_shares);
    r->has_cpu_quota = get_i64(json_get(cpu, "quota"), &r->cpu_quota);
    r->has_cpu_period = get_u64(json_get(cpu, "period"), &r->cpu_period);
    r->has_pids = get_i64(json_get(pids, "limit"), &r->pids_limit);
    const struct jval *dev = json_get(res, "devices");
    if (dev && dev->t == J_ARR) {
      r->devices = xmalloc((dev->len + 1) * sizeof *r->devices);
      for (size_t i = 0; i < dev->len; i++) {
        const struct jval *d = dev->items[i], *v;
        struct device_rule *dr = &r->devices[r->ndevices++];
        dr->allow = (v = json_get(d, "allow")) && v->t == J_BOOL && v->b;
        const char *type = json_get_str(d, "type");
        dr->type = type && *type ? type[0] : 'a';
        dr->major = dr->minor = -1;
        get_i64(json_get(d, "major"), &dr->major);
        get_i64(json_get(d, "minor"), &dr->minor);
        dr->access = json_get_str(d, "access");
        if (!dr->access) dr->access = "rwm";
      }
    }
  }
  return 0;
}

static int parse_annotations(const struct jval *a, struct config *c) {
  if (!a || a->t != J_OBJ) return 0;
  const char *s;
  if ((s = json_get_str(a, "org.strata.overlay.lower"))) {
    c->overlay_lower = json_string_array(s, &c->noverlay_lower, "org.strata.overlay.lower");
    if (!c->overlay_lower) return -1;
    if (c->noverlay_lower == 0) return herrx("config", "org.strata.overlay.lower: no layers");
    for (size_t i = 0; i < c->noverlay_lower; i++)
      if (c->overlay_lower[i][0] != '/')
        return herrx("config", "org.strata.overlay.lower: %s: must be an absolute path", c->overlay_lower[i]);
  }
  c->overlay_upper = json_get_str(a, "org.strata.overlay.upper");
  c->overlay_work = json_get_str(a, "org.strata.overlay.work");
  if ((c->overlay_upper != NULL) != (c->overlay_work != NULL))
    return herrx("config", "org.strata.overlay.upper and org.strata.overlay.work go together");
  if (c->overlay_upper && !c->overlay_lower)
    return herrx("config", "org.strata.overlay.upper needs org.strata.overlay.lower");
  c->state_dir = json_get_str(a, "org.strata.state-dir");
  c->log_path = json_get_str(a, "org.strata.log");
  c->stdin_open = (s = json_get_str(a, "org.strata.stdin")) && !strcmp(s, "true");
  c->init = (s = json_get_str(a, "org.strata.init")) && !strcmp(s, "true");
  if ((s = json_get_str(a, "org.strata.seccomp"))) {
    if (!strcmp(s, "unconfined")) c->proc.seccomp = false;
    else if (strcmp(s, "default") != 0) return herrx("config", "org.strata.seccomp: %s: expected default or unconfined", s);
  }
  if ((s = json_get_str(a, "org.strata.exit-command"))) {
    size_t n;
    c->exit_command = json_string_array(s, &n, "org.strata.exit-command");
    if (!c->exit_command) return -1;
    if (n == 0) c->exit_command = NULL;
  }
  return 0;
}

int config_load(const char *bundle, struct config *c) {
  memset(c, 0, sizeof *c);
  char abs[PATH_MAX];
  if (!realpath(bundle, abs)) return herr("config", "bundle %s", bundle);
  c->bundle = xstrdup(abs);
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/config.json", abs);
  size_t len;
  char *text = read_file(AT_FDCWD, path, &len);
  if (!text) return herr("config", "read %s", path);
  char err[128];
  struct jval *root = json_parse(text, len, err, sizeof err);
  if (!root) return herrx("config", "%s: invalid JSON: %s", path, err);
  if (root->t != J_OBJ) return herrx("config", "%s: not a JSON object", path);

  const struct jval *r = json_get(root, "root"), *v;
  const char *rp = json_get_str(r, "path");
  if (!rp || !*rp) return herrx("config", "root.path: missing");
  c->rootfs = absolute_in(abs, rp);
  if ((v = json_get(r, "readonly")) && v->t == J_BOOL) c->root_readonly = v->b;
  c->hostname = json_get_str(root, "hostname");
  if (process_spec_parse(json_get(root, "process"), &c->proc) < 0) return -1;

  const struct jval *mounts = json_get(root, "mounts");
  if (mounts && mounts->t == J_ARR) {
    c->mounts = xmalloc((mounts->len + 1) * sizeof *c->mounts);
    for (size_t i = 0; i < mounts->len; i++) {
      const struct jval *m = mounts->items[i];
      struct mount_spec *ms = &c->mounts[c->nmounts++];
      ms->destination = json_get_str(m, "destination");
      if (!ms->destination || ms->destination[0] != '/')
        return herrx("config", "mounts[%zu].destination: must be an absolute path", i);
      ms->type = json_get_str(m, "type");
      const char *src = json_get_str(m, "source");
      ms->source = src;
      int rc;
      ms->options = string_array(json_get(m, "options"), &ms->noptions, "mounts[].options", &rc);
      if (rc < 0) return -1;
      bool bind = ms->type && !strcmp(ms->type, "bind");
      for (size_t k = 0; k < ms->noptions; k++)
        if (!strcmp(ms->options[k], "bind") || !strcmp(ms->options[k], "rbind")) bind = true;
      if (bind) {
        if (!src || !*src) return herrx("config", "mounts[%zu] (%s): a bind mount needs a source", i, ms->destination);
        ms->source = absolute_in(abs, src);
      }
      if (!ms->type) ms->type = bind ? "bind" : "none";
    }
  }
  if (parse_linux(json_get(root, "linux"), c) < 0) return -1;
  c->proc.seccomp = true;
  if (parse_annotations(json_get(root, "annotations"), c) < 0) return -1;
  return 0;
}
