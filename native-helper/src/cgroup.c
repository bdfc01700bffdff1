/* cgroup.c — cgroups v1, v2 and hybrid, detected per controller from mountinfo.
 *
 * Every v1 hierarchy with a controller gets the container's cgroup (so freezer, pids,
 * memory and cpuacct work for pause/stats even without limits); the v2 hierarchy too
 * when it is the unified root or holds controllers. Limits are written where their
 * controller lives. The cgroup is removed after the container exited. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static struct cgroup *detected;

static void unescape_mount(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] && p[3]) {
      *o++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
      p += 3;
    } else *o++ = *p;
  }
  *o = 0;
}

/* v1 super options -> controller list (drops rw/ro and non-controller options) */
static char *v1_controllers(const char *superopts) {
  char *out = xmalloc(strlen(superopts) + 1), *o = out;
  char *copy = xstrdup(superopts), *save, *tok;
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (!strcmp(tok, "rw") || !strcmp(tok, "ro") || !strcmp(tok, "noprefix") || !strcmp(tok, "clone_children") ||
        !strcmp(tok, "xattr") || !strcmp(tok, "cpuset_v2_mode") || !strncmp(tok, "release_agent=", 14) ||
        !strncmp(tok, "name=", 5))
      continue;
    if (o != out) *o++ = ',';
    o = stpcpy(o, tok);
  }
  *o = 0;
  free(copy);
  return out;
}

static bool has_controller(const struct cg_hier *h, const char *ctrl) {
  size_t n = strlen(ctrl);
  for (const char *p = h->controllers; (p = strstr(p, ctrl)); p += n) {
    bool start = p == h->controllers || p[-1] == ',' || p[-1] == ' ';
    bool end = p[n] == 0 || p[n] == ',' || p[n] == ' ' || p[n] == '\n';
    if (start && end) return true;
  }
  return false;
}

int cg_detect(struct cgroup *cg) {
  memset(cg, 0, sizeof *cg);
  char *mi = read_file(AT_FDCWD, "/proc/self/mountinfo", NULL);
  if (!mi) return herr("cgroup", "read /proc/self/mountinfo");
  char *save, *line;
  for (line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *sep = strstr(line, " - ");
    if (!sep) continue;
    *sep = 0;
    char *fstype = sep + 3, *source = strchr(fstype, ' ');
    if (!source) continue;
    *source++ = 0;
    char *superopts = strchr(source, ' ');
    if (!superopts) continue;
    superopts++;
    bool v2 = !strcmp(fstype, "cgroup2");
    if (!v2 && strcmp(fstype, "cgroup") != 0) continue;
    /* mount point: field 5 */
    char *f = line;
    for (int i = 0; i < 4 && f; i++) { f = strchr(f, ' '); if (f) f++; }
    if (!f) continue;
    char *end = strchr(f, ' ');
    if (end) *end = 0;
    unescape_mount(f);
    char *ctrls;
    if (v2) {
      char p[PATH_MAX];
      snprintf(p, sizeof p, "%s/cgroup.controllers", f);
      ctrls = read_file(AT_FDCWD, p, NULL);
      if (!ctrls) ctrls = xstrdup("");
      char *nl = strchr(ctrls, '\n');
      if (nl) *nl = 0;
      /* a v2 mount counts when it is the unified root, or (hybrid) when it holds a
       * controller we use; a hybrid v2 holding only hugetlb is left alone: enabling
       * it in subtree_control would pin it there (crun's hybrid fix moves it to v1) */
      bool useful = !strcmp(f, "/sys/fs/cgroup");
      static const char *const wanted[] = {"cpu", "memory", "pids", "io", "cpuset"};
      for (size_t k = 0; !useful && k < sizeof wanted / sizeof wanted[0]; k++) {
        struct cg_hier probe = {.controllers = ctrls};
        useful = has_controller(&probe, wanted[k]);
      }
      if (!useful) { free(ctrls); continue; }
    } else {
      ctrls = v1_controllers(superopts);
      if (!*ctrls) { free(ctrls); continue; } /* named hierarchy (name=systemd) */
    }
    bool dup = false;
    for (int i = 0; i < cg->n; i++)
      if (cg->h[i].v2 == v2 && !strcmp(cg->h[i].controllers, ctrls)) dup = true;
    if (dup || cg->n == CG_MAX) { free(ctrls); continue; }
    struct cg_hier *h = &cg->h[cg->n++];
    h->mount = xstrdup(f);
    h->controllers = ctrls;
    h->v2 = v2;
    h->dirfd = -1;
  }
  free(mi);
  detected = cg;
  return 0;
}

static int cg_write(struct cg_hier *h, const char *file, const char *value) {
  if (write_file_str(h->dirfd, file, value) < 0) return herr("cgroup", "write %s to %s/%s", value, h->path, file);
  return 0;
}

/* a new v1 cpuset cgroup starts empty: copy cpus and mems from the parent */
static void cpuset_inherit(const char *dir) {
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", dir);
  char *slash = strrchr(parent, '/');
  if (!slash) return;
  *slash = 0;
  for (int i = 0; i < 2; i++) {
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    char *cur = read_file(AT_FDCWD, p, NULL);
    if (cur && cur[0] && cur[0] != '\n') { free(cur); continue; }
    free(cur);
    char pp[PATH_MAX + 32];
    snprintf(pp, sizeof pp, "%s/%s", parent, files[i]);
    char *val = read_file(AT_FDCWD, pp, NULL);
    if (val) write_file_str(AT_FDCWD, p, val);
    free(val);
  }
}

static int mkdir_cgroup(struct cg_hier *h, const char *path) {
  char full[PATH_MAX];
  int n = snprintf(full, sizeof full, "%s%s", h->mount, path);
  if (n >= (int)sizeof full) return herrx("cgroup", "path too long: %s%s", h->mount, path);
  bool cpuset = !h->v2 && has_controller(h, "cpuset");
  /* create each missing component below the mount point */
  for (char *p = full + strlen(h->mount) + 1; ; p++) {
    if (*p != '/' && *p != 0) continue;
    char saved = *p;
    *p = 0;
    if (h->v2) {
      /* enable the hierarchy's controllers for children of the parent */
      char *slash = strrchr(full, '/');
      *slash = 0;
      char ctl[PATH_MAX + 32];
      snprintf(ctl, sizeof ctl, "%s/cgroup.subtree_control", full);
      *slash = '/';
      char *copy = xstrdup(h->controllers), *save, *tok;
      for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char plus[64];
        snprintf(plus, sizeof plus, "+%s", tok);
        write_file_str(AT_FDCWD, ctl, plus); /* best effort: a controller may be unavailable */
      }
      free(copy);
    }
    if (mkdir(full, 0755) == 0) {
      if (cpuset) cpuset_inherit(full);
    } else if (errno != EEXIST) {
      return herr("cgroup", "mkdir %s", full);
    }
    if (saved == 0) break;
    *p = saved;
  }
  h->dirfd = open(full, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (h->dirfd < 0) return herr("cgroup", "open %s", full);
  h->path = xstrdup(full);
  return 0;
}

static const char *const devices_default[] = {
  "c 1:3 rwm",   /* null */
  "c 1:5 rwm",   /* zero */
  "c 1:7 rwm",   /* full */
  "c 1:8 rwm",   /* random */
  "c 1:9 rwm",   /* urandom */
  "c 5:0 rwm",   /* tty */
  "c 5:1 rwm",   /* console */
  "c 5:2 rwm",   /* ptmx */
  "c 136:* rwm", /* pts */
  "c 10:200 rwm",/* tun */
  "c *:* m",     /* mknod of any char device (not access) */
  "b *:* m",
};

static int write_limits(struct cg_hier *h, const struct resources_spec *r) {
  char v[64];
  /* v1 writes go through the dirfd with relative names; a write that fails says which */
  if (has_controller(h, "memory")) {
    if (h->v2) {
      if (r->has_memory_limit) {
        if (r->memory_limit > 0) snprintf(v, sizeof v, "%lld", (long long)r->memory_limit);
        else snprintf(v, sizeof v, "max");
        if (cg_write(h, "memory.max", v) < 0) return -1;
      }
      if (r->has_memory_swap) {
        if (r->memory_swap < 0) snprintf(v, sizeof v, "max");
        else snprintf(v, sizeof v, "%lld", (long long)(r->has_memory_limit && r->memory_limit > 0 &&
                                                        r->memory_swap >= r->memory_limit
                                                          ? r->memory_swap - r->memory_limit : r->memory_swap));
        if (faccessat(h->dirfd, "memory.swap.max", F_OK, 0) == 0 && cg_write(h, "memory.swap.max", v) < 0) return -1;
      }
    } else {
      if (r->has_memory_limit) {
        snprintf(v, sizeof v, "%lld", (long long)(r->memory_limit > 0 ? r->memory_limit : -1));
        if (cg_write(h, "memory.limit_in_bytes", v) < 0) return -1;
      }
      if (r->has_memory_swap && faccessat(h->dirfd, "memory.memsw.limit_in_bytes", F_OK, 0) == 0) {
        snprintf(v, sizeof v, "%lld", (long long)(r->memory_swap > 0 ? r->memory_swap : -1));
        if (cg_write(h, "memory.memsw.limit_in_bytes", v) < 0) return -1;
      }
    }
  }
  if (has_controller(h, "cpu")) {
    if (h->v2) {
      if (r->has_cpu_shares && r->cpu_shares > 0) {
        uint64_t s = r->cpu_shares < 2 ? 2 : r->cpu_shares > 262144 ? 262144 : r->cpu_shares;
        snprintf(v, sizeof v, "%llu", (unsigned long long)(1 + ((s - 2) * 9999) / 262142));
        if (cg_write(h, "cpu.weight", v) < 0) return -1;
      }
      if (r->has_cpu_quota || r->has_cpu_period) {
        uint64_t period = r->has_cpu_period && r->cpu_period ? r->cpu_period : 100000;
        if (r->has_cpu_quota && r->cpu_quota > 0)
          snprintf(v, sizeof v, "%lld %llu", (long long)r->cpu_quota, (unsigned long long)period);
        else snprintf(v, sizeof v, "max %llu", (unsigned long long)period);
        if (cg_write(h, "cpu.max", v) < 0) return -1;
      }
    } else {
      if (r->has_cpu_shares && r->cpu_shares > 0) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)r->cpu_shares);
        if (cg_write(h, "cpu.shares", v) < 0) return -1;
      }
      if (r->has_cpu_period && r->cpu_period > 0) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)r->cpu_period);
        if (cg_write(h, "cpu.cfs_period_us", v) < 0) return -1;
      }
      if (r->has_cpu_quota && r->cpu_quota != 0) {
        snprintf(v, sizeof v, "%lld", (long long)(r->cpu_quota > 0 ? r->cpu_quota : -1));
        if (cg_write(h, "cpu.cfs_quota_us", v) < 0) return -1;
      }
    }
  }
  if (has_controller(h, "pids") && r->has_pids && r->pids_limit != 0) {
    if (r->pids_limit > 0) snprintf(v, sizeof v, "%lld", (long long)r->pids_limit);
    else snprintf(v, sizeof v, "max");
    if (cg_write(h, "pids.max", v) < 0) return -1;
  }
  if (!h->v2 && has_controller(h, "devices")) {
    if (cg_write(h, "devices.deny", "a") < 0) return -1;
    for (size_t i = 0; i < sizeof devices_default / sizeof devices_default[0]; i++)
      if (cg_write(h, "devices.allow", devices_default[i]) < 0) return -1;
    for (size_t i = 0; i < r->ndevices; i++) {
      const struct device_rule *d = &r->devices[i];
      char rule[96], maj[24], min[24];
      if (d->type == 'a' && d->major < 0 && d->minor < 0) {
        /* "deny all" first entries are already applied; "allow all" is honoured */
        if (d->allow && cg_write(h, "devices.allow", "a") < 0) return -1;
        continue;
      }
      if (d->major < 0) strcpy(maj, "*"); else snprintf(maj, sizeof maj, "%lld", (long long)d->major);
      if (d->minor < 0) strcpy(min, "*"); else snprintf(min, sizeof min, "%lld", (long long)d->minor);
      snprintf(rule, sizeof rule, "%c %s:%s %s", d->type, maj, min, d->access);
      if (cg_write(h, d->allow ? "devices.allow" : "devices.deny", rule) < 0) return -1;
    }
  }
  return 0;
}

int cg_create(struct cgroup *cg, const char *path, const struct resources_spec *r) {
  char norm[PATH_MAX];
  /* a relative cgroupsPath is taken from the root as well */
  snprintf(norm, sizeof norm, "%s%s", path[0] == '/' ? "" : "/", path);
  size_t l = strlen(norm);
  while (l > 1 && norm[l - 1] == '/') norm[--l] = 0;
  if (strstr(norm, "/../") || (l >= 3 && !strcmp(norm + l - 3, "/..")))
    return herrx("cgroup", "cgroupsPath %s: must not contain ..", path);
  cg->path = xstrdup(norm);
  for (int i = 0; i < cg->n; i++) {
    if (mkdir_cgroup(&cg->h[i], norm) < 0) return -1;
    if (write_limits(&cg->h[i], r) < 0) return -1;
  }
  return 0;
}

int cg_enter(struct cgroup *cg, pid_t pid) {
  char v[24];
  snprintf(v, sizeof v, "%d", (int)pid);
  for (int i = 0; i < cg->n; i++)
    if (cg->h[i].dirfd >= 0 && cg_write(&cg->h[i], "cgroup.procs", v) < 0) return -1;
  return 0;
}

long cg_oom_kills(struct cgroup *cg) {
  for (int i = 0; i < cg->n; i++) {
    struct cg_hier *h = &cg->h[i];
    if (h->dirfd < 0 || !has_controller(h, "memory")) continue;
    char *s = read_file(h->dirfd, h->v2 ? "memory.events" : "memory.oom_control", NULL);
    if (!s) continue;
    long n = 0;
    char *p = strstr(s, "oom_kill ");
    if (p && (p == s || p[-1] == '\n')) n = strtol(p + 9, NULL, 10);
    free(s);
    return n;
  }
  return 0;
}

void cg_destroy(struct cgroup *cg) {
  for (int i = 0; i < cg->n; i++) {
    struct cg_hier *h = &cg->h[i];
    if (h->dirfd < 0) continue;
    close(h->dirfd);
    h->dirfd = -1;
    /* the last processes of the pid namespace may still be leaving: retry briefly */
    for (int tries = 0; tries < 400; tries++) {
      if (rmdir(h->path) == 0 || errno == ENOENT) break;
      if (errno != EBUSY) { herr("cgroup", "rmdir %s", h->path); herr_print(); break; }
      struct timespec ts = {0, 500000};
      nanosleep(&ts, NULL);
    }
  }
}

int cg_join_process(pid_t target, pid_t pid) {
  struct cgroup cg;
  if (cg_detect(&cg) < 0) return -1;
  char p[64], v[24];
  snprintf(p, sizeof p, "/proc/%d/cgroup", (int)target);
  snprintf(v, sizeof v, "%d", (int)pid);
  char *s = read_file(AT_FDCWD, p, NULL);
  if (!s) return herr("cgroup", "read %s", p);
  char *save, *line;
  for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':');
    if (!c1) continue;
    char *c2 = strchr(c1 + 1, ':');
    if (!c2) continue;
    *c2 = 0;
    const char *ctrls = c1 + 1, *path = c2 + 1;
    for (int i = 0; i < cg.n; i++) {
      struct cg_hier *h = &cg.h[i];
      bool match = *ctrls ? (!h->v2 && !strcmp(h->controllers, ctrls)) : h->v2;
      if (!match) continue;
      char f[PATH_MAX];
      snprintf(f, sizeof f, "%s%s/cgroup.procs", h->mount, path);
      if (write_file_str(AT_FDCWD, f, v) < 0 && errno != ENOENT) { free(s); return herr("cgroup", "write %s to %s", v, f); }
    }
  }
  free(s);
  return 0;
}

/* /sys/fs/cgroup inside the container: cgroup2 when the host is unified, else a tmpfs
 * with one cgroup v1 mount per hierarchy (rooted at the container's cgroup by the
 * cgroup namespace). */
int cg_mount_in_container(int rootfd, int dirfd, const char *dest, unsigned long flags) {
  char target[64];
  snprintf(target, sizeof target, "/proc/self/fd/%d", dirfd);
  struct cgroup *cg = detected;
  bool unified = cg && cg->n == 1 && cg->h[0].v2 && !strcmp(cg->h[0].mount, "/sys/fs/cgroup");
  if (!cg || unified) {
    if (mount("cgroup2", target, "cgroup2", flags, NULL) < 0) return herr("mount", "cgroup2 on %s", dest);
    return 0;
  }
  if (mount("tmpfs", target, "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0) return herr("mount", "tmpfs on %s", dest);
  /* the fd still names the directory under the new tmpfs: look the path up again */
  int top = resolve_in_root(rootfd, dest, false, false);
  if (top < 0) return herr("mount", "reopen %s", dest);
  snprintf(target, sizeof target, "/proc/self/fd/%d", top);
  int fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) { close(top); return herr("mount", "open %s", dest); }
  for (int i = 0; i < cg->n; i++) {
    struct cg_hier *h = &cg->h[i];
    const char *name = strrchr(h->mount, '/');
    name = name ? name + 1 : h->controllers;
    if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) { close(fd); close(top); return herr("mount", "mkdir %s/%s", dest, name); }
    char sub[96];
    snprintf(sub, sizeof sub, "/proc/self/fd/%d/%s", fd, name);
    int rc = h->v2 ? mount("cgroup2", sub, "cgroup2", flags, NULL)
                   : mount("cgroup", sub, "cgroup", flags, h->controllers);
    if (rc < 0) { close(fd); close(top); return herr("mount", "cgroup %s on %s/%s", h->controllers, dest, name); }
  }
  close(fd);
  int rc = 0;
  if ((flags & MS_RDONLY) && mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | (flags & ~MS_RDONLY), "mode=755") < 0)
    rc = herr("mount", "remount %s read-only", dest);
  close(top);
  return rc;
}
