/* Forced include (-include) for building AArch64 backend sources hosted, as
 * they are, for the fuzz targets: the real sysreg.h supplies the register
 * names, then its inline-assembly accessors are replaced by calls into the
 * harness (which plays ESR_EL2, FAR_EL2, HPFAR_EL2, the ID registers...), and
 * the barriers become no-ops. sysreg.h's include guard keeps the sources' own
 * #include "sysreg.h" from bringing the assembly back. */
#ifndef AXVM_TESTS_FUZZ_A64_HOSTED_H
#define AXVM_TESTS_FUZZ_A64_HOSTED_H

#include <stdint.h>

#include "sysreg.h"

uint64_t fz_a64_read_sysreg(const char *name);
void fz_a64_write_sysreg(const char *name, uint64_t value);

#undef read_sysreg
#undef write_sysreg
#define read_sysreg(r) fz_a64_read_sysreg(A64_STR(r))
#define write_sysreg(r, v) fz_a64_write_sysreg(A64_STR(r), (uint64_t)(v))
#define a64_isb() ((void)0)
#define a64_dsb_sy() ((void)0)
#define a64_dsb_ish() ((void)0)

#endif
