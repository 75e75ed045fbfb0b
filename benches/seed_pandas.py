"""The seed notebook's own pandas code (cells 2-4 of mdl-notebook.txt), unchanged but for
taking the export paths from the command line: per-row `pd.Series` apply, groupby idxmin,
concat, tabulate. The slow peer of the offline benchmark.

    python benches/seed_pandas.py 6=layer-6.csv 7=layer-7.csv 8=layer-8.csv
"""

import math
import sys

import pandas as pd
from tabulate import tabulate


def compute_description_length(L0, B, D):
    log2_D = math.log2(D)
    description_length = L0 * (B + log2_D)
    return description_length


def load_layer_csv(filepath, layer_number):
    df = pd.read_csv(filepath)
    df['layer'] = layer_number

    def parse_name(name):
        parts_underscore = name.split('_')
        activation = parts_underscore[-3]
        k = int(parts_underscore[-2])
        return activation, k

    df[['activation', 'k']] = df['Name'].apply(lambda name: pd.Series(parse_name(name)))
    return df


def get_best_l0_per_activation(df, layer_num):
    result = df.loc[df.groupby('activation')['l2_loss'].idxmin()][['activation', 'l0_norm', 'l2_loss']]
    result = result.sort_values(by='activation')
    result.insert(0, 'layer', layer_num)
    return result


def main(args):
    best = []
    for arg in args:
        layer, path = arg.split("=", 1)
        df = load_layer_csv(path, int(layer))
        best.append(get_best_l0_per_activation(df, int(layer)))
    summary_df = pd.concat(best, ignore_index=True)
    B = 7
    D = 12288
    summary_df['description_length'] = summary_df['l0_norm'].apply(lambda L0: compute_description_length(L0, B, D))
    final_df = summary_df.drop(columns=['l0_norm']).rename(columns={
        'l2_loss': 'tolerance',
        'description_length': 'MDL(tolerance)'
    })
    print(tabulate(final_df, headers="keys", tablefmt="github", showindex=False))


if __name__ == "__main__":
    main(sys.argv[1:])
