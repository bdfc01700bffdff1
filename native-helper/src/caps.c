/* caps.c — capability names, the bounding set, user/groups, capset and ambient caps.
 * Raw syscalls (no libcap). Order follows runc: keep caps across setuid, drop the
 * bounding set while CAP_SETPCAP is still effective, switch groups/gid/uid, then set
 * effective/permitted/inheritable with capset and raise the ambient set. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const cap_names[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
  "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
  "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
  "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

int cap_from_name(const char *name) {
  const char *n = name;
  for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++) {
    if (strcasecmp(cap_names[i], n) == 0) return (int)i;
    /* accept names without the CAP_ prefix too ("chown") */
    if (strncasecmp(n, "CAP_", 4) != 0 && strcasecmp(cap_names[i] + 4, n) == 0) return (int)i;
  }
  return -1;
}

int cap_last(void) {
  static int last = -1;
  if (last >= 0) return last;
  char *s = read_file(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", NULL);
  last = s ? atoi(s) : CAP_LAST_CAP;
  if (last <= 0 || last > 63) last = CAP_LAST_CAP;
  free(s);
  return last;
}

int apply_user_and_caps(const struct process_spec *ps) {
  const struct caps_spec *cs = &ps->caps;
  int last = cap_last();
  bool changing_user = ps->uid != 0;

  if (changing_user && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return herr("caps", "PR_SET_KEEPCAPS");
  if (cs->present) {
    for (int cap = 0; cap <= last; cap++) {
      if (cs->set[CAPSET_BOUNDING] & (1ULL << cap)) continue;
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
        return herr("caps", "drop %s from the bounding set", cap < 41 ? cap_names[cap] : "capability");
    }
  }
  if (setgroups(ps->ngroups, ps->groups) < 0) return herr("user", "setgroups (%zu groups)", ps->ngroups);
  if (setresgid(ps->gid, ps->gid, ps->gid) < 0) return herr("user", "setgid %u", (unsigned)ps->gid);
  if (setresuid(ps->uid, ps->uid, ps->uid) < 0) return herr("user", "setuid %u", (unsigned)ps->uid);
  if (changing_user && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return herr("caps", "PR_SET_KEEPCAPS");

  if (cs->present) {
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (int i = 0; i < 2; i++) {
      data[i].effective = (uint32_t)(cs->set[CAPSET_EFFECTIVE] >> (32 * i));
      data[i].permitted = (uint32_t)(cs->set[CAPSET_PERMITTED] >> (32 * i));
      data[i].inheritable = (uint32_t)(cs->set[CAPSET_INHERITABLE] >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, data) < 0) return herr("caps", "capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
      return herr("caps", "clear ambient set");
    for (int cap = 0; cap <= last; cap++) {
      if (!(cs->set[CAPSET_AMBIENT] & (1ULL << cap))) continue;
      /* like runc: an ambient cap not in permitted+inheritable is skipped, not fatal */
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM && errno != EINVAL)
        return herr("caps", "raise ambient %s", cap < 41 ? cap_names[cap] : "capability");
    }
  }
  return 0;
}
