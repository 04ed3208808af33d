func.func @net(%x: tensor<8x100xf32>) -> tensor<8x7x7x2xf32> {
  %0 = lathe.reshape %x : tensor<8x100xf32> -> tensor<8x7x7x2xf32> loc("my_model.lathe":12:3)
  return %0 : tensor<8x7x7x2xf32>
}
