# Several VMs at once (docs/MULTIVM.md): the unit test of the shared console's
# prefixes and of IVC_FIND. The guests (guests/aarch64/ivc, probe, life) are
# built by mk/guests-aarch64.mk; the suites are tests/suites/35-multivm-*.sh.
UNIT_TESTS += multivm
