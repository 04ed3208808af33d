//===- Train.h - The training loop and the commands around it ---*- C++ -*-===//
#ifndef LATHE_RUNTIME_TRAIN_H
#define LATHE_RUNTIME_TRAIN_H

#include "runtime/Session.h"

#include <string>

namespace lathe::rt {

struct TrainOptions {
  int64_t epochs = 0;       ///< 0: the model's
  int64_t seed = -1;        ///< -1: the model's
  std::string data;         ///< KIND[:PATH] replacing the model's binding
  int64_t limit = 0;        ///< train on at most this many samples (0: all)
  double validationSplit = -1; ///< -1: the model's
  int64_t earlyStopping = -1;  ///< -1: the model's; 0: off
  std::string report;       ///< write final figures as JSON here
  std::string save;         ///< checkpoint after every epoch here
  std::string plot;         ///< loss curve PNG
  std::string samples;      ///< gan: directory for per-epoch sample grids
  std::string resume;       ///< start from this checkpoint
  int64_t threads = 0;      ///< threads of the compiled code (0: all cores)
  std::string schedule;     ///< learning-rate schedule ("": the model's)
  double compileSeconds = 0;
};

/// Why `path` cannot be written, or "" when it can: as a file, it must not
/// be a folder and its folder must exist and be writable; as a `folder`
/// (made where it is missing), it must not be a file, and it, or where it is
/// missing its parent, must be a writable folder.
std::string unwritable(const std::string &path, bool folder);

/// Whether every file training will write (--save, --report, --plot, and
/// --samples' folder) can be written: its folder exists and is writable.
/// Prints an error naming the option and the path otherwise, so a bad path
/// fails before training, not after it.
bool outputsWritable(const TrainOptions &opts);

/// Applies `--data KIND[:PATH]` to the model's data settings.
void overrideData(ModelInfo &info, const std::string &binding);

/// The model description with the command line's data binding, epochs, seed,
/// validation split, learning-rate schedule and early stopping applied.
ModelInfo withOptions(const ModelInfo &info, const TrainOptions &opts);

/// What training starts with: checks that its outputs can be written,
/// applies the command line to `modelInfo` (into `info`) and loads the
/// data. Prints the error and returns false when one of them fails.
bool prepareTraining(const ModelInfo &modelInfo, const TrainOptions &opts,
                     ModelInfo &info, Splits &data);

/// Loads the data, trains for the configured epochs with a live progress
/// line, evaluates on the test split and prints the figures. Returns the
/// process exit code.
int train(const ModelInfo &info, EntryPoints entry, const TrainOptions &opts);

/// Loads a checkpoint and prints test metrics. Returns the exit code.
int evaluateCheckpoint(const ModelInfo &info, EntryPoints entry,
                       const TrainOptions &opts);

/// Predicts every row of a CSV file of inputs; writes one line per row (the
/// class first for classifiers, then the outputs). A text model instead
/// classifies each of the raw text files `files`, a model of images each of
/// the PNG images `files`. Returns the exit code.
int predictFile(const ModelInfo &info, EntryPoints entry,
                const std::string &checkpoint, const std::string &input,
                const std::string &output,
                const std::vector<std::string> &files = {});

/// The command line of a standalone model executable:
/// `PROG train|eval|predict|info [options]`.
int runExecutable(const char *modelText, EntryPoints entry, int argc,
                  char **argv);

} // namespace lathe::rt

#endif
