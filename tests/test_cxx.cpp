// Every public header compiles as C++ and links: the extern "C" guards and deq_complex.
#include <cstdio>
#include "deqnn/act.h"
#include "deqnn/ck.h"
#include "deqnn/compare.h"
#include "deqnn/datakernel.h"
#include "deqnn/dataset.h"
#include "deqnn/grid.h"
#include "deqnn/mp.h"
#include "deqnn/network.h"
#include "deqnn/ntk.h"
#include "deqnn/onestep.h"
#include "deqnn/opts.h"
#include "deqnn/pencil.h"
#include "deqnn/rf.h"
#include "deqnn/cdf.h"
#include "deqnn/rng.h"
#include "deqnn/spiked.h"
#include "deqnn/srfsim.h"
#include "deqnn/status.h"
#include "deqnn/table.h"
#include "deqnn/twolayer.h"
#include "deqnn/version.h"

int main()
{
  deq_complex m;
  if (deq_mp_stieltjes(deq_complex(1.3, 0.2), 2.385, &m) != DEQ_SUCCESS)
    return 1;
  // gamma z m^2 + (z - 1 + gamma) m + 1 = 0
  deq_complex z(1.3, 0.2), res = 2.385 * z * m * m + (z - 1.0 + 2.385) * m + 1.0;
  std::printf("C++: m = %.15g%+.15gi, residual %.2g, deqnn %s\n", deq_creal(m), deq_cimag(m),
              std::abs(res), DEQ_VERSION);
  deq_complex w = DEQ_COMPLEX(1.5, -2);   // the C-and-C++ spellings of docs/design.md
  return std::abs(res) < 1e-13 && m.imag() > 0 && deq_creal(w) == 1.5 && deq_cimag(w) == -2
         ? 0 : 1;
}
