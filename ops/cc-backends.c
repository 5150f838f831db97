/* CoColor: the backends of this build (see cc-backends.h). */
#include "config.h"

#include "cc-backend.h"
#include "cc-backends.h"
#if COCOLOR_HAVE_OPENCL
#include "cc-cl-backend.h"
#endif

void
cc_backends_register_all (void)
{
#if COCOLOR_HAVE_OPENCL
  cc_backend_register (&cc_cl_backend_class);
#endif
}
