// Small helpers: error text, packed-row positions, row validation.
#include "internal.h"

namespace dnt {

std::string fmt(const char * f, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    return buf;
}

void write_err(char * err, size_t len, const std::string & msg) {
    if (err && len) snprintf(err, len, "%s", msg.c_str());
}


// Positions restart at 0 for each packed segment, as they would for the example alone.
std::vector<int32_t> positions_of(const std::vector<int32_t> & seg) {
    std::vector<int32_t> pos(seg.size());
    int32_t p = 0;
    for (size_t i = 0; i < seg.size(); i++) {
        p = (i > 0 && seg[i] == seg[i - 1]) ? p + 1 : 0;
        pos[i] = p;
    }
    return pos;
}


Row make_row(dnt_trainer * t, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n) {
    if (n <= 0) throw Error("row is empty");
    if (n > t->hp.n_ctx_train) throw Error(fmt("row of %d tokens is longer than the model's context (%d)", n, (int) t->hp.n_ctx_train));
    Row r;
    r.tokens.assign(tokens, tokens + n);
    r.labels.assign(labels, labels + n);
    r.segments.assign(segments, segments + n);
    for (int32_t i = 0; i < n; i++) {
        if (tokens[i] < 0 || tokens[i] >= t->hp.n_vocab) throw Error(fmt("token %d at %d is outside the vocabulary", tokens[i], i));
        if (labels[i] >= t->hp.n_vocab || labels[i] < -1) throw Error(fmt("label %d at %d is outside the vocabulary", labels[i], i));
        if (labels[i] >= 0) r.n_labelled++;
    }
    return r;
}

}  // namespace dnt
