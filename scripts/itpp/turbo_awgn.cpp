// IT++ reference for the LTE turbo code over BPSK/AWGN, run by scripts/turbo-curves.sh
// side by side with `lastmile link --code turbo` at the same Eb/N0 points.
//
// The code: IT++ Turbo_Codec with the two 8-state RSC constituents g0 = 13, g1 = 15 (octal,
// constraint length 4) and the LTE QPP interleaver from lte_turbo_interleaver_sequence(K),
// i.e. the 36.212 §5.1.3.2 code, rate 1/3 with 12 tail bits (N = 3K + 12; IT++ orders the
// tail bits differently from 36.212, which does not change the error rate).
// Decoder: "LOGMAX" (max-log-MAP) with the given extrinsic scale factor (1.0 = unscaled),
// a fixed number of full iterations, no adaptive stop.
// Channel: BPSK 0 -> +1, 1 -> -1, real AWGN with Es/N0 = Eb/N0 * K/N (the same convention
// as lastmile link), decoder told Ec = 1 and N0 so its channel LLRs are 4*r/N0.
//
// Usage: turbo_awgn K SCALE ITERATIONS START STOP STEP TARGET_BLOCK_ERRORS MAX_BLOCKS SEED OUT.csv
// Output CSV: ebn0_db,ber,bler,bit_errors,num_bits,block_errors,num_blocks,runtime_s
// (the columns of lastmile link).
#include <itpp/itcomm.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace itpp;

int main(int argc, char **argv) {
  if (argc != 11) {
    std::fprintf(stderr,
                 "usage: %s K SCALE ITERATIONS START STOP STEP TARGET_BLOCK_ERRORS "
                 "MAX_BLOCKS SEED OUT.csv\n",
                 argv[0]);
    return 2;
  }
  const int k = std::atoi(argv[1]);
  const double scale = std::atof(argv[2]);
  const int iterations = std::atoi(argv[3]);
  const double start = std::atof(argv[4]), stop = std::atof(argv[5]), step = std::atof(argv[6]);
  const long target = std::atol(argv[7]), max_blocks = std::atol(argv[8]);
  const unsigned seed = static_cast<unsigned>(std::atol(argv[9]));
  const std::string out_path = argv[10];
  if (k < 40 || k > 6144 || iterations < 1 || step <= 0 || target < 1 || max_blocks < 1) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }

  ivec gen(2);
  gen(0) = 013;
  gen(1) = 015;
  Turbo_Codec tc;
  tc.set_parameters(gen, gen, 4, lte_turbo_interleaver_sequence(k), iterations, "LOGMAX", scale,
                    false);
  RNG_reset(seed);

  const int n = 3 * (k + 4);
  const double rate = double(k) / n;
  std::string csv = "ebn0_db,ber,bler,bit_errors,num_bits,block_errors,num_blocks,runtime_s\n";
  const int npts = int(std::floor((stop - start) / step + 1e-9)) + 1;
  for (int p = 0; p < npts; ++p) {
    const double ebn0_db = start + p * step;
    const double esn0 = std::pow(10.0, ebn0_db / 10.0) * rate;
    const double n0 = 1.0 / esn0;  // Ec = 1, N0 = 2 sigma^2
    const double sigma = std::sqrt(n0 / 2.0);
    tc.set_awgn_channel_parameters(1.0, n0);
    long bit_err = 0, blk_err = 0, blocks = 0;
    const auto t0 = std::chrono::steady_clock::now();
    bvec info, coded, decoded;
    while (blocks < max_blocks && blk_err < target) {
      info = randb(k);
      tc.encode(info, coded);
      if (coded.size() != n) {
        std::fprintf(stderr, "unexpected coded length %d (want %d)\n", coded.size(), n);
        return 1;
      }
      vec rx(n);
      const vec noise = randn(n);
      for (int i = 0; i < n; ++i) rx(i) = (coded(i) == bin(0) ? 1.0 : -1.0) + sigma * noise(i);
      tc.decode(rx, decoded);
      long e = 0;
      for (int i = 0; i < k; ++i) e += (decoded(i) != info(i));
      bit_err += e;
      blk_err += (e > 0);
      ++blocks;
    }
    const double rt =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double nbits = double(blocks) * k;
    std::fprintf(stderr, "IT++ K=%d scale %.2f Eb/N0 %.2f dB: BER %.3e BLER %.3e (%ld/%ld, %.1f s)\n",
                 k, scale, ebn0_db, bit_err / nbits, double(blk_err) / blocks, blk_err, blocks, rt);
    char row[256];
    std::snprintf(row, sizeof row, "%.4g,%.6e,%.6e,%ld,%.0f,%ld,%ld,%.3f\n", ebn0_db,
                  bit_err / nbits, double(blk_err) / blocks, bit_err, nbits, blk_err, blocks, rt);
    csv += row;
  }
  std::FILE *f = std::fopen((out_path + ".tmp").c_str(), "w");
  if (!f) {
    std::perror(out_path.c_str());
    return 1;
  }
  std::fputs(csv.c_str(), f);
  std::fclose(f);
  if (std::rename((out_path + ".tmp").c_str(), out_path.c_str()) != 0) {
    std::perror(out_path.c_str());
    return 1;
  }
  return 0;
}
