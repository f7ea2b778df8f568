// The activation functions of bonsaic/ir/activations.py in OpenCL C: forward and derivative.
//
// The numpy module is the reference; every expression below is written in the same order as
// there so that, in double precision and with contraction to fused multiply-adds switched off,
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

// the piecewise-linear Ameo, breakpoints -3, -1, 1, 3
real hard_ameo(real x, real leak) {
    if (x <= (real)-3.0) return (real)-1.0 + (x + (real)3.0) * leak;
    if (x <= (real)-1.0) return x + (real)2.0;
    if (x <= (real)1.0) return -x;
    if (x <= (real)3.0) return x - (real)2.0;
    return (real)1.0 + (x - (real)3.0) * leak;
}

real hard_ameo_grad(real x, real leak) {
    if (x <= (real)-3.0) return leak;
    if (x <= (real)-1.0) return (real)1.0;
    if (x <= (real)1.0) return (real)-1.0;
    if (x <= (real)3.0) return (real)1.0;
    return leak;
}

// the quartic-spline Ameo at u = x/2 - 1/2, rescaled to [-1, 1]
real soft_ameo(real x, real leak) {
    real u = x * (real)0.5 - (real)0.5;
    real u2 = u * u, u3 = u2 * u, u4 = u2 * u2, p = u + (real)2.0;
    real y;
    if (u <= (real)-2.0) y = leak * (u + (real)2.0);
    else if (u <= (real)-1.5) y = (real)8.0 * (p * p * p * p);
    else if (u <= (real)-0.5)
        y = (real)-8.0 * u4 - (real)32.0 * u3 - (real)48.0 * u2 - (real)32.0 * u - (real)7.0;
    else if (u <= (real)0.5) y = (real)8.0 * u4;
    else if (u <= (real)1.0)
        y = (real)-8.0 * u4 + (real)32.0 * u3 - (real)48.0 * u2 + (real)32.0 * u - (real)7.0;
    else y = leak * (u - (real)1.0) + (real)1.0;
    return (y - (real)0.5) * (real)2.0;
}

real soft_ameo_grad(real x, real leak) {
    real u = x * (real)0.5 - (real)0.5;
    real u2 = u * u, u3 = u2 * u, p = u + (real)2.0;
    if (u <= (real)-2.0 || u >= (real)1.0) return leak;
    if (u <= (real)-1.5) return (real)32.0 * (p * p * p);
    if (u <= (real)-0.5) return (real)-32.0 * u3 - (real)96.0 * u2 - (real)96.0 * u - (real)32.0;
    if (u <= (real)0.5) return (real)32.0 * u3;
    return (real)-32.0 * u3 + (real)96.0 * u2 - (real)96.0 * u + (real)32.0;
}

real activation(int kind, real factor, real leak, real x) {
    switch (kind) {
    case ACT_INTERPOLATED_AMEO:
        return hard_ameo(x, leak) * factor + ((real)1.0 - factor) * soft_ameo(x, leak);
    case ACT_LEAKY_AMEO:
    case ACT_AMEO:
        return hard_ameo(x, leak);
    case ACT_TANH:
        return tanh(x);
    default:
        return x;
    }
}

real activation_grad(int kind, real factor, real leak, real x) {
    switch (kind) {
    case ACT_INTERPOLATED_AMEO:
        return hard_ameo_grad(x, leak) * factor + ((real)1.0 - factor) * soft_ameo_grad(x, leak);
    case ACT_LEAKY_AMEO:
    case ACT_AMEO:
        return hard_ameo_grad(x, leak);
    case ACT_TANH: {
        real t = tanh(x);
        return (real)1.0 - t * t;
    }
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
