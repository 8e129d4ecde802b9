# The graph compiler's tool and tests (the library objects are in lib/lib.mk).
-include tools/enpu-compile/compile.mk
-include tests/compiler/tests.mk
