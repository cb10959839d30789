#include "test.h"
const char guest_name[] = "hello";
void guest_main(void) { test_pass("boot"); }
