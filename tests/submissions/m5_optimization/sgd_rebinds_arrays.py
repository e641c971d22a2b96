# expect: exercise=SGD hint=arrays_replaced
# SGD.step puts new arrays into params (params[key] = params[key] - lr * g) instead of updating the ones that are there.


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for key in params:
            params[key] = params[key] - self.lr * grads[key]
