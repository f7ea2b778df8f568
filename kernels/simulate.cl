// Batched graph simulation: one work-item runs one whole input sequence.
//
// Included after activations.cl. The host compiles one program per graph shape with
//   -D N_INPUTS -D N_STATES -D N_NEURONS -D N_OUTPUTS -D N_NODES (= inputs + states + neurons)
//   and -D TRACE (1: write every node's value).
// Nodes are numbered as graph.node_names(): inputs, states, then neurons in topological order,
// so one pass over the neurons in index order computes a step. Sums run left to right and then
// add the bias, the order of the numpy reference.

// One step: inputs x and the carried states in, every node's value in v, the next states in
// carried. Shared by both kernels so they compute the same bits.
void graph_step(real *v, real *carried, __global const real *x,
                __global const int *act_kind, __global const real *act_factor,
                __global const real *act_leak, __global const int *edge_start,
                __global const int *edge_src, __global const real *edge_weight,
                __global const real *bias, __global const int *next_node)
{
    for (int i = 0; i < N_INPUTS; i++) v[i] = x[i];
    for (int s = 0; s < N_STATES; s++) v[N_INPUTS + s] = carried[s];
    for (int n = 0; n < N_NEURONS; n++) {
        int first = edge_start[n], last = edge_start[n + 1];
        real acc = (real)0.0;
        for (int e = first; e < last; e++) {
            real term = edge_weight[e] * v[edge_src[e]];
            acc = e == first ? term : acc + term;
        }
        v[N_INPUTS + N_STATES + n] =
            activation(act_kind[n], act_factor[n], act_leak[n], acc + bias[n]);
    }
    for (int s = 0; s < N_STATES; s++)
        carried[s] = next_node[s] < 0 ? (real)0.0 : v[next_node[s]];
}

__kernel void simulate(const int steps,
                       __global const real *inputs,      // [B, T, N_INPUTS]
                       __global real *out_values,        // [B, T, N_OUTPUTS]
                       __global real *trace,             // [B, T, N_NODES] when TRACE
                       __global const int *act_kind,     // per neuron
                       __global const real *act_factor,  // per neuron
                       __global const real *act_leak,    // per neuron
                       __global const int *edge_start,   // [N_NEURONS + 1] into the edge arrays
                       __global const int *edge_src,     // node index of each edge's source
                       __global const real *edge_weight,
                       __global const real *bias,        // per neuron
                       __global const real *init,        // per state
                       __global const int *next_node,    // per state: node index, or -1 (-> 0.0)
                       __global const int *output_node)  // per output: node index
{
    const size_t b = get_global_id(0);
    real v[N_NODES + 1];  // + 1: C has no empty arrays
    real carried[N_STATES + 1];
    for (int s = 0; s < N_STATES; s++) carried[s] = init[s];

    for (int t = 0; t < steps; t++) {
        graph_step(v, carried, inputs + (b * steps + t) * N_INPUTS, act_kind, act_factor, act_leak,
                   edge_start, edge_src, edge_weight, bias, next_node);
        __global real *out = out_values + (b * steps + t) * N_OUTPUTS;
        for (int o = 0; o < N_OUTPUTS; o++) out[o] = v[output_node[o]];
#if TRACE
        __global real *row = trace + (b * steps + t) * N_NODES;
        for (int k = 0; k < N_NODES; k++) row[k] = v[k];
#endif
    }
}

// The falsification battery (bonsaic/verify/battery.py): sequence b is rows [0, head) once, then
// rows [head, head + loop) repeated, up to `length` steps (only the head when loop is 0). Instead
// of every value, a work-item writes the first step whose output has the wrong sign or is not
// finite (-1: none), and the smallest |output| it saw. The loop rows are a whole period of the
// spec as well, so when the state at the start of a period equals the state at the start of the
// previous one, every later period repeats that one exactly and the work-item stops early.
__kernel void battery(const int length,
                      const int row_count,                // R: rows per sequence (padded)
                      __global const real *rows,          // [B, R, N_INPUTS]
                      __global const real *want,          // [B, R, N_OUTPUTS] (+1/-1)
                      __global const int *head_len,       // [B]
                      __global const int *loop_len,       // [B]
                      __global int *first_wrong,          // [B] out
                      __global real *min_abs,             // [B] out
                      __global int *steps_run,            // [B] out: steps simulated
                      __global const int *act_kind,
                      __global const real *act_factor,
                      __global const real *act_leak,
                      __global const int *edge_start,
                      __global const int *edge_src,
                      __global const real *edge_weight,
                      __global const real *bias,
                      __global const real *init,
                      __global const int *next_node,
                      __global const int *output_node)
{
    const size_t b = get_global_id(0);
    const int head = head_len[b], loop = loop_len[b];
    const int end = loop > 0 ? length : min(head, length);
    real v[N_NODES + 1];
    real carried[N_STATES + 1];
    real mark[N_STATES + 1];
    int have_mark = 0;
    int wrong = -1, t = 0;
    real smallest = INFINITY;
    for (int s = 0; s < N_STATES; s++) carried[s] = init[s];

    for (t = 0; t < end; t++) {
        const int r = t < head ? t : head + (t - head) % loop;
        if (loop > 0 && r == head) {
            int same = have_mark;
            for (int s = 0; s < N_STATES && same; s++) same = carried[s] == mark[s];
            if (same) break;
            for (int s = 0; s < N_STATES; s++) mark[s] = carried[s];
            have_mark = 1;
        }
        graph_step(v, carried, rows + (b * row_count + r) * N_INPUTS, act_kind, act_factor, act_leak,
                   edge_start, edge_src, edge_weight, bias, next_node);
        __global const real *y = want + (b * row_count + r) * N_OUTPUTS;
        int bad = 0;
        for (int o = 0; o < N_OUTPUTS; o++) {
            real value = v[output_node[o]];
            bad |= !isfinite(value) || ((value > (real)0.0) != (y[o] > (real)0.0));
            smallest = fmin(smallest, fabs(value));
        }
        for (int s = 0; s < N_STATES; s++) bad |= !isfinite(carried[s]);
        if (bad) { wrong = t; t++; break; }
    }
    first_wrong[b] = wrong;
    min_abs[b] = smallest;
    steps_run[b] = t;
}
