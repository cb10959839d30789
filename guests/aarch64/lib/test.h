/* The test protocol of the guests.
 *
 * Each case prints exactly one line on the console: "PASS <guest>.<case>",
 * "FAIL <guest>.<case>: why" or "SKIP <guest>.<case>: why". At the end the
 * guest prints "RESULT <guest> env=<env> passed=P failed=F skipped=S" and
 * stops: under axvm by writing F to the test device's EXIT register, elsewhere
 * with PSCI SYSTEM_OFF.
 *
 * The environment is probed once at boot with the axvm VERSION hypercall:
 *   axvm  - it returns a non-negative version;
 *   bare  - it does not, and ID_AA64PFR0_EL1 says there is no EL2 (QEMU
 *           without virtualization=on: its PSCI emulation answers HVC);
 *   other - it does not, and EL2 exists (some other hypervisor).
 * Cases that check hypervisor behaviour skip themselves unless env is axvm. */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stdbool.h>
#include <stdint.h>

enum guest_env { ENV_BARE = 0, ENV_AXVM, ENV_OTHER };

extern enum guest_env g_env;
extern uint64_t g_axvm_version;

/* Provided by each guest. */
extern const char guest_name[];
/* Returns when all cases ran; the runtime then prints RESULT and stops. */
void guest_main(void);

void test_pass(const char *name);
void test_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void test_skip(const char *name, const char *why);
/* Free-form diagnostics, printed as "# ..." lines (ignored by harnesses). */
void test_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* PASS when got == want, FAIL with both values otherwise. Returns the verdict. */
bool test_eq(const char *name, uint64_t got, uint64_t want);
/* PASS when cond, FAIL with the formatted reason otherwise. */
bool test_check(const char *name, bool cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Skip the case (printing SKIP) unless running under axvm. */
bool test_need_axvm(const char *name);

unsigned test_failures(void);
const char *env_name(void);

/* Print the RESULT line (test_finish does; for guests that stop otherwise). */
void test_print_result(void);
/* Print RESULT and stop the VM with `status`. */
__attribute__((noreturn)) void test_finish(unsigned status);
/* Fatal: print RESULT (failed >= 1) and stop. */
__attribute__((noreturn)) void test_abort(void);
/* Stop the VM without printing: test-device EXIT under axvm, then PSCI SYSTEM_OFF. */
__attribute__((noreturn)) void guest_exit(uint64_t status);

/* Monotonic time from the virtual counter. */
uint64_t time_ns(void);
/* Spin until cond() or the timeout; true when cond() held. */
bool wait_until(bool (*cond)(void), uint64_t timeout_ms);

#endif
