// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The runtime version: lets a program built against one header find out
 * which library the dynamic linker actually gave it.
 */
#include "eventline.h"

#define EL_STR(x)	#x
#define EL_XSTR(x)	EL_STR(x)

const char *el_version(void)
{
	return EL_XSTR(EL_VERSION_MAJOR) "." EL_XSTR(EL_VERSION_MINOR) "."
	       EL_XSTR(EL_VERSION_PATCH);
}
