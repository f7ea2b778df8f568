// The activation functions of bonsaic/ir/activations.py in OpenCL C: forward and derivative.
//
// The numpy module is the reference; the Ameo pieces are rendered from the same table as the numpy
// ones (bonsaic/ir/ameo.py), in the same operation order, so that, in double precision and with contraction to fused multiply-adds switched off,
// the results agree bit for bit (tanh, a library function, may differ in the last ulp).
// The host defines BONSAI_FP64 when the device has cl_khr_fp64; otherwise `real` is float.

#ifdef BONSAI_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#else
typedef float real;
#endif
#pragma OPENCL FP_CONTRACT OFF

// activation kinds, numbered as bonsaic.ir.activations.KINDS
#define ACT_INTERPOLATED_AMEO 0
#define ACT_LEAKY_AMEO 1
#define ACT_AMEO 2
#define ACT_TANH 3
#define ACT_LINEAR 4
#define ACT_SIGN_AMEO 5

// The four Ameo pieces (hard, hard_grad, soft, soft_grad) are inserted here by bonsaic/ir/opencl.py,
// rendered from the one table in bonsaic/ir/ameo.py.
// @AMEO_HELPERS@

real activation(int kind, real factor, real leak, real x) {
    switch (kind) {
    case ACT_INTERPOLATED_AMEO:
        return hard(x, leak) * factor + ((real)1.0 - factor) * soft(x, leak);
    case ACT_LEAKY_AMEO:
    case ACT_AMEO:
        return hard(x, leak);
    case ACT_TANH:
        return tanh(x);
    case ACT_SIGN_AMEO: {  // NaN stays NaN, as in numpy
        real h = hard(x, (real)0.0);
        return h > (real)0.0 ? (real)1.0 : (h <= (real)0.0 ? (real)-1.0 : h);
    }
    default:
        return x;
    }
}

real activation_grad(int kind, real factor, real leak, real x) {
    switch (kind) {
    case ACT_INTERPOLATED_AMEO:
        return hard_grad(x, leak) * factor + ((real)1.0 - factor) * soft_grad(x, leak);
    case ACT_LEAKY_AMEO:
    case ACT_AMEO:
        return hard_grad(x, leak);
    case ACT_TANH: {
        real t = tanh(x);
        return (real)1.0 - t * t;
    }
    case ACT_SIGN_AMEO:
        return (real)0.0;
    default:
        return (real)1.0;
    }
}

// elementwise kernels: y[i] = f(x[i]) and y[i] = f'(x[i])
__kernel void activation_forward(__global const real *x, __global real *y, const int kind,
                                 const real factor, const real leak) {
    size_t i = get_global_id(0);
    y[i] = activation(kind, factor, leak, x[i]);
}

__kernel void activation_derivative(__global const real *x, __global real *y, const int kind,
                                    const real factor, const real leak) {
    size_t i = get_global_id(0);
    y[i] = activation_grad(kind, factor, leak, x[i]);
}
