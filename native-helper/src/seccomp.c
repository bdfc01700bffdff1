/* seccomp.c — a small default deny-list (Docker-like) as a classic BPF filter.
 *
 * Not the OCI linux.seccomp profile: a fixed list of syscalls that containers have no
 * business calling (kernel keyrings, module loading, kexec, handle-based opens, bpf,
 * userfaultfd, perf, swap, reboot, accounting, raw I/O ports...) fail with EPERM;
 * clone/unshare with CLONE_NEWUSER fail with EPERM; clone3 fails with ENOSYS (its flags
 * live in memory, out of BPF's reach; libc falls back to clone), as Docker does. On
 * x86_64, i386 syscalls get the same list by their own numbers and x32 is refused.
 * Installed while the process still has CAP_SYS_ADMIN, so it works without
 * no_new_privs; the syscalls the helper still needs (setgroups, setresuid, capset,
 * prctl, execve) are not on the list. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

static const int native_denied[] = {
#ifdef __NR_acct
  __NR_acct,
#endif
#ifdef __NR_add_key
  __NR_add_key,
#endif
#ifdef __NR_bpf
  __NR_bpf,
#endif
#ifdef __NR_create_module
  __NR_create_module,
#endif
#ifdef __NR_delete_module
  __NR_delete_module,
#endif
#ifdef __NR_finit_module
  __NR_finit_module,
#endif
#ifdef __NR_fanotify_init
  __NR_fanotify_init,
#endif
#ifdef __NR_get_kernel_syms
  __NR_get_kernel_syms,
#endif
#ifdef __NR_init_module
  __NR_init_module,
#endif
#ifdef __NR_ioperm
  __NR_ioperm,
#endif
#ifdef __NR_iopl
  __NR_iopl,
#endif
#ifdef __NR_kexec_file_load
  __NR_kexec_file_load,
#endif
#ifdef __NR_kexec_load
  __NR_kexec_load,
#endif
#ifdef __NR_keyctl
  __NR_keyctl,
#endif
#ifdef __NR_lookup_dcookie
  __NR_lookup_dcookie,
#endif
#ifdef __NR_nfsservctl
  __NR_nfsservctl,
#endif
#ifdef __NR_open_by_handle_at
  __NR_open_by_handle_at,
#endif
#ifdef __NR_perf_event_open
  __NR_perf_event_open,
#endif
#ifdef __NR_query_module
  __NR_query_module,
#endif
#ifdef __NR_quotactl
  __NR_quotactl,
#endif
#ifdef __NR_reboot
  __NR_reboot,
#endif
#ifdef __NR_request_key
  __NR_request_key,
#endif
#ifdef __NR_swapoff
  __NR_swapoff,
#endif
#ifdef __NR_swapon
  __NR_swapon,
#endif
#ifdef __NR_syslog
  __NR_syslog,
#endif
#ifdef __NR__sysctl
  __NR__sysctl,
#endif
#ifdef __NR_uselib
  __NR_uselib,
#endif
#ifdef __NR_userfaultfd
  __NR_userfaultfd,
#endif
};

#if defined(__x86_64__)
/* the same syscalls by their i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
static const int i386_denied[] = {
  51 /* acct */, 286 /* add_key */, 357 /* bpf */, 127 /* create_module */, 129 /* delete_module */,
  350 /* finit_module */, 338 /* fanotify_init */, 130 /* get_kernel_syms */, 128 /* init_module */,
  101 /* ioperm */, 110 /* iopl */, 283 /* kexec_load */, 288 /* keyctl */, 253 /* lookup_dcookie */,
  169 /* nfsservctl */, 342 /* open_by_handle_at */, 336 /* perf_event_open */, 167 /* query_module */,
  131 /* quotactl */, 88 /* reboot */, 287 /* request_key */, 115 /* swapoff */, 87 /* swapon */,
  103 /* syslog */, 149 /* _sysctl */, 86 /* uselib */, 374 /* userfaultfd */, 113 /* vm86old */, 166 /* vm86 */,
};
#define I386_CLONE 120
#define I386_UNSHARE 310
#endif

#define CLONE3_NR 435 /* the same on every architecture */
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define RET_ERRNO(e) RET(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))

struct prog { struct sock_filter f[256]; unsigned short n; };

static void emit(struct prog *p, struct sock_filter ins) { p->f[p->n++] = ins; }

/* the checks for one architecture; the accumulator holds nothing yet */
static void emit_arch(struct prog *p, const int *denied, size_t ndenied, int nr_clone, int nr_unshare, bool x32_guard) {
  emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
  if (x32_guard) {
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
    emit(p, (struct sock_filter)RET_ERRNO(EPERM));
  }
  for (size_t i = 0; i < ndenied; i++) {
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i], 0, 1));
    emit(p, (struct sock_filter)RET_ERRNO(EPERM));
  }
  emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLONE3_NR, 0, 1));
  emit(p, (struct sock_filter)RET_ERRNO(ENOSYS));
  int nrs[2] = {nr_clone, nr_unshare};
  for (int k = 0; k < 2; k++) {
    /* clone(flags, ...) and unshare(flags): refuse new user namespaces */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[k], 0, 4));
    emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1));
    emit(p, (struct sock_filter)RET_ERRNO(EPERM));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
  }
  emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
}

int seccomp_apply_default(void) {
#ifndef NATIVE_ARCH
  return 0; /* no list for this architecture */
#else
  struct prog p = {.n = 0};
  emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
  struct prog native = {.n = 0};
#if defined(__x86_64__)
  emit_arch(&native, native_denied, sizeof native_denied / sizeof native_denied[0], __NR_clone, __NR_unshare, true);
#else
  emit_arch(&native, native_denied, sizeof native_denied / sizeof native_denied[0], __NR_clone, __NR_unshare, false);
#endif
  /* arch == native: fall into the native block; else jump past it */
  emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, (unsigned char)native.n));
  memcpy(p.f + p.n, native.f, native.n * sizeof native.f[0]);
  p.n += native.n;
#if defined(__x86_64__)
  emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 1, 0));
  emit(&p, (struct sock_filter)RET_ERRNO(EPERM));
  emit_arch(&p, i386_denied, sizeof i386_denied / sizeof i386_denied[0], I386_CLONE, I386_UNSHARE, false);
#else
  emit(&p, (struct sock_filter)RET_ERRNO(EPERM)); /* compat syscalls */
#endif
  struct sock_fprog fprog = {.len = p.n, .filter = p.f};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0) return herr("seccomp", "install the default filter");
  return 0;
#endif
}

/* does pid run under a seccomp filter? (exec gives its process the same treatment) */
bool seccomp_filtered(pid_t pid) {
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
  char *s = read_file(AT_FDCWD, p, NULL);
  if (!s) return false;
  char *f = strstr(s, "\nSeccomp:");
  bool on = f && strtol(f + 9, NULL, 10) == 2;
  free(s);
  return on;
}
